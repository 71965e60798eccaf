/// Why a file could not be stored, read, attached or transferred; every message names the file,
/// the limit or the setting involved, so a district IT officer can act on it.
public struct FileStoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The file could not be read or written (message carries the OS's reason).
        case io
        /// The file is larger than `files.max_file_bytes`.
        case tooLarge = "file_too_large"
        /// Its content signature is not one of the allowed types (`files.allowed_types`).
        case wrongType = "file_type_refused"
        /// Attaching it would pass the unit's yearly quota (`files.quota_bytes_per_year`).
        case overQuota = "file_quota_exceeded"
        /// Its bytes do not have the SHA-256 they should.
        case hashMismatch = "file_hash_mismatch"
        /// Not in the store.
        case notFound = "file_not_found"
        /// Empty files are not evidence.
        case empty = "file_empty"
        /// A chunk frame is malformed (Protocol §16.3).
        case badFrame = "bad_chunk"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var description: String { message }
}
