extension String {
    /// "3.10" after "3.9": dotted criterion codes compared part by part, numbers as numbers
    /// (the order of the methodology's tables, in the report and on the self-assessment form).
    public func numericallyBefore(_ other: String) -> Bool {
        let a = split(separator: "."), b = other.split(separator: ".")
        for (x, y) in zip(a, b) where x != y {
            if let i = Int(x), let j = Int(y) { return i < j }
            return x < y
        }
        return a.count < b.count
    }
}
