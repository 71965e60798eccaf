import ArgumentParser
import CSV
import Yams
print("hello")
