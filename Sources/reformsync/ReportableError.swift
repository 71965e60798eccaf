import ArgumentParser
import Foundation
import ReformData
import ReformsyncConfig
import Replica
import WireProtocol
import GRDB
import OfficeWeb
import FileStore
import Hub

/// An error as the command line reports it: one line, and the documented exit code
/// (2 for bad input, 1 for everything else).
struct ReportableError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    init(message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }

    init(_ error: any Error) {
        switch error {
        case let error as ReportableError:
            self = error
        case let error as ReformData.RecordError:
            self.init(message: error.description, exitCode: 2)
        case let error as ConfigError:
            self.init(message: error.description, exitCode: 2)
        case let error as WireError:
            self.init(message: error.description, exitCode: 2)
        case let error as Gzip.Failure:
            self.init(message: error.description, exitCode: 2)
        case let error as ReplicaError:
            switch error {
            case .unknownTable, .unknownColumn, .missingRequired, .appendOnly, .invalidChange, .alreadyInitialized, .clockAhead, .localWrite, .refused:
                self.init(message: error.description, exitCode: 2)
            default:
                self.init(message: error.description, exitCode: 1)
            }
        case let error as SeasonDeskError:
            self.init(message: error.message, exitCode: error.isBadInput ? 2 : 1)
        case let error as OfficeError:
            self.init(message: error.message, exitCode: error.code == .storage ? 1 : 2)
        case let error as FileStoreError:
            // A refused attachment (size, type, quota, empty) is bad input; a disk problem is a failure.
            self.init(message: error.message + (error.kind == .io ? "" : " [\(error.code)]"), exitCode: error.kind == .io || error.kind == .hashMismatch ? 1 : 2)
        case let error as DatabaseError:
            self.init(message: "database error: \(error.message ?? "\(error.resultCode)") (\(error.resultCode))", exitCode: 1)
        default:
            self.init(message: String(describing: error), exitCode: 1)
        }
    }

    static func input(_ message: String) -> ReportableError { ReportableError(message: message, exitCode: 2) }
    static func failure(_ message: String) -> ReportableError { ReportableError(message: message, exitCode: 1) }

    var description: String { message }
}
