import Foundation

/// What a unit may attach (Protocol §16.5): checked when attaching, so a file is never accepted
/// locally and refused later. Each refusal names the limit and its configuration key.
public struct FileLimits: Sendable, Equatable {
    /// `files.max_file_bytes`: largest file (default 50 MiB).
    public var maxFileBytes: Int64
    /// `files.allowed_types`: kinds accepted (default: all of ``EvidenceKind``).
    public var allowedKinds: [EvidenceKind]
    /// `files.quota_bytes_per_year`: bytes of evidence one unit may attach per year (default 2 GiB).
    public var quotaBytesPerYear: Int64

    public init(maxFileBytes: Int64 = 50 << 20, allowedKinds: [EvidenceKind] = EvidenceKind.allCases,
                quotaBytesPerYear: Int64 = 2 << 30) {
        self.maxFileBytes = maxFileBytes
        self.allowedKinds = allowedKinds
        self.quotaBytesPerYear = quotaBytesPerYear
    }

    /// Refuses `file` (named `name`) when it breaks a limit; `used` is what the unit already
    /// attached in `year` (distinct files, in bytes).
    public func check(_ file: FileStore.Added, name: String, unit: String, year: Int, used: Int64) throws(FileStoreError) {
        if file.size > maxFileBytes {
            throw FileStoreError(.tooLarge, "\(name) is \(Self.bytes(file.size)), larger than the largest file allowed, \(Self.bytes(maxFileBytes)) (files.max_file_bytes)")
        }
        let allowed = allowedKinds.map(\.rawValue).joined(separator: ", ")
        guard let kind = file.kind else {
            throw FileStoreError(.wrongType, "\(name) is not a PDF, DOCX, XLSX, ODT, ODS, DOC, XLS, JPEG or PNG file by its content (its first bytes match none of them), whatever its name says; allowed types: \(allowed) (files.allowed_types)")
        }
        guard allowedKinds.contains(kind) else {
            throw FileStoreError(.wrongType, "\(name) is a \(kind.rawValue.uppercased()) file; this node accepts only \(allowed) (files.allowed_types)")
        }
        if used + file.size > quotaBytesPerYear {
            throw FileStoreError(.overQuota, "attaching \(name) (\(Self.bytes(file.size))) would bring \(unit)'s evidence for \(year) to \(Self.bytes(used + file.size)), over the yearly quota of \(Self.bytes(quotaBytesPerYear)) (files.quota_bytes_per_year); \(Self.bytes(max(0, quotaBytesPerYear - used))) remain")
        }
    }

    /// `52428800 bytes (50.0 MiB)`.
    public static func bytes(_ count: Int64) -> String {
        let mib = Double(count) / 1_048_576
        return mib >= 0.1 ? "\(count) bytes (\(String(format: "%.1f", mib)) MiB)" : "\(count) bytes"
    }
}
