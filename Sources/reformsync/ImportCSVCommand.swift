import ArgumentParser

struct ImportCSVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-csv", abstract: "Load a spreadsheet export (UTF-8 CSV) into a table.")
    func run() throws { throw ReportableError.failure("not yet") }
}
