import FileStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NodeSync
import ReformData
import ReformsyncConfig
import Replica

/// Evidence files through the local API (Protocol §16; README "Evidence files"), for office programs:
/// - `POST /records/{table}/files?id=ID&name=NAME`: the body is the file, streamed to a temporary
///   file (never held in memory), then attached like `reformsync files add` — the same limits,
///   refused with 413 `file_too_large`, 415 `file_type_refused` or 422 `file_quota_exceeded`;
/// - `GET /records/{table}/files?id=ID`: the files attached to a record;
/// - `GET /files/{sha256}`: the file, with its content type and its name as an RFC 5987
///   `filename*` (Vietnamese names survive).
extension LocalAPI {
    static func addFileRoutes(_ group: RouterGroup<DaemonRequestContext>, replica: Replica, configuration: ReformsyncConfiguration,
                              trigger: SyncTrigger) {
        let store = FileStore(dataDirectory: configuration.dataDirectory)
        let limits = FileLimits(settings: configuration.files)

        group.post("records/:table/files") { request, context -> Response in
            let table = try schema(replica, context.parameters.get("table"))
            guard let id = request.uri.queryParameters["id"].map(String.init), !id.isEmpty else {
                throw APIError(status: .badRequest, code: "bad_parameter", message: "id: give the record's id, e.g. ?id=SONDUONG/2024/1.1&name=...")
            }
            guard let name = request.uri.queryParameters["name"].map(String.init), !name.isEmpty else {
                throw APIError(status: .badRequest, code: "bad_parameter", message: "name: give the file's name, e.g. &name=Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf")
            }
            if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limits.maxFileBytes {
                throw APIError(status: .contentTooLarge, code: "file_too_large",
                               message: "the file is \(FileLimits.bytes(length)), larger than the largest file allowed, \(FileLimits.bytes(limits.maxFileBytes)) (files.max_file_bytes)")
            }
            try FileManager.default.createDirectory(atPath: store.temporaryFolder, withIntermediateDirectories: true)
            let temporary = store.temporaryFolder + "/api-\(UUID().uuidString)"
            defer { unlink(temporary) }
            do {
                let file = try PosixFile.creating(temporary)
                var received: Int64 = 0
                for try await buffer in request.body {
                    received += Int64(buffer.readableBytes)
                    guard received <= limits.maxFileBytes else {
                        throw FileStoreError(.tooLarge, "the file is larger than the largest file allowed, \(FileLimits.bytes(limits.maxFileBytes)) (files.max_file_bytes)")
                    }
                    try buffer.withUnsafeReadableBytes { raw throws(FileStoreError) in try file.write(raw) }
                }
            }
            let attached = try EvidenceAttacher(replica: replica, store: store, limits: limits).attach(table: table.name, record: id, path: temporary, name: name)
            trigger.fire(.localWrite)
            return try encoded(attached)
        }

        group.get("records/:table/files") { request, context -> Response in
            let table = try schema(replica, context.parameters.get("table"))
            guard let id = request.uri.queryParameters["id"].map(String.init), !id.isEmpty else {
                throw APIError(status: .badRequest, code: "bad_parameter", message: "id: give the record's id")
            }
            let rows = try replica.list("evidence_files", where: ["record_table": .text(table.name.nfc), "record": .text(id.nfc)])
            guard let evidence = replica.schema.table("evidence_files") else { return try encoded([JSONValue]()) }
            return try encoded(rows.map { row -> [String: JSONValue] in
                var object = row.json(evidence)
                if case .text(let hash)? = row.values["sha256"], SHA256Hex.isValid(hash) {
                    object["here"] = .bool(store.contains(hash))
                }
                return object
            })
        }

        group.get("files/:sha256") { _, context -> Response in
            let hash = try context.parameters.require("sha256")
            guard SHA256Hex.isValid(hash), let row = try replica.list("evidence_files", where: ["sha256": .text(hash)], limit: 1).first else {
                throw APIError(status: .notFound, code: "file_not_found", message: "no evidence file \(hash.prefix(80)) is attached to a record of this replica")
            }
            guard let size = PosixFile.size(of: store.path(hash)) else {
                throw APIError(status: .notFound, code: "file_not_here", message: "\(hash) is attached but not here yet: it arrives from the hub at the next sync")
            }
            var headers: HTTPFields = [.contentType: "application/octet-stream"]
            if case .text(let type)? = row.values["content_type"] { headers[.contentType] = type }
            if case .text(let name)? = row.values["name"] { headers[.contentDisposition] = ContentDisposition.attachment(name) }
            return streamedFile(store.path(hash), size: size, headers: headers)
        }
    }

    /// A stored file as a response body, read 64 KiB at a time: a file of any allowed size is
    /// never held in memory.
    static func streamedFile(_ path: String, size: Int64, headers: HTTPFields) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(size)) { writer in
            let source = try PosixFile.reading(path)
            var position: Int64 = 0
            while true {
                let bytes = try source.read(at: position, count: FileStore.chunkBytes)
                if bytes.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: bytes))
                position += Int64(bytes.count)
            }
            try await writer.finish(nil)
        })
    }
}
