import FileStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NodeSync
import OfficeWeb
import ReformData
import Replica

/// Evidence files on the criterion form: upload, open, remove — through `EvidenceAttacher`, the
/// same code as `reformsync files add|remove` and `POST /records/{table}/files` (same limits).
extension UnitApp {
    var fileStore: FileStore { FileStore(dataDirectory: configuration.dataDirectory) }

    var fileLimits: FileLimits { FileLimits(settings: configuration.files) }

    /// Evidence files of the unit's scores of `year`, by criterion.
    func evidenceFiles(year: Int) -> [String: [[String: Any]]] {
        let rows = (try? replica.list("evidence_files", where: ["record_table": .text("assessment_scores"), "year": .integer(Int64(year))])) ?? []
        var files: [String: [[String: Any]]] = [:]
        for row in rows {
            let record = SelfAssessmentSheet.text(row.values["record"])
            let criterion = record.split(separator: "/", maxSplits: 2).last.map(String.init) ?? record
            let size = SelfAssessmentSheet.int(row.values["size"]) ?? 0
            files[criterion, default: []].append(["name": SelfAssessmentSheet.text(row.values["name"]), "sha256": SelfAssessmentSheet.text(row.values["sha256"]),
                                                  "size": size >= 1 << 20 ? "\(size >> 20) MB" : "\(max(1, size >> 10)) KB"])
        }
        return files
    }

    /// POST /app/tep/them?_csrf=…&nam=…&criterion=…: the upload (multipart, one file).
    func uploadEvidence(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let form = FormBody(fields: ["nam": query["nam"].map(String.init) ?? "", "criterion": query["criterion"].map(String.init) ?? ""])
        let year = try year(request, form: form)
        guard let criterion = form["criterion"], !criterion.isEmpty, criterion.count <= 200 else { throw OfficePageError.badRequest("Thiếu mã tiêu chí.") }
        func refuse(_ message: String) throws -> Response {
            try selfAssessmentPage(request, errors: [criterion: FieldError(field: "evidence", message: message)], typed: form)
        }
        guard let boundary = MultipartFileReader.boundary(contentType: request.headers[.contentType] ?? "") else { return try refuse("Chọn một tệp để tải lên.") }
        let tooLarge = "Tệp lớn hơn mức cho phép (\(FileLimits.bytes(fileLimits.maxFileBytes)))."
        // The form's own bytes (headers, boundaries) come on top of the file: 64 KiB is ample.
        let limit = fileLimits.maxFileBytes + 64 << 10
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit { return try refuse(tooLarge) }
        let store = fileStore
        try FileManager.default.createDirectory(atPath: store.temporaryFolder, withIntermediateDirectories: true)
        let temporary = store.temporaryFolder + "/app-\(UUID().uuidString)"
        defer { unlink(temporary) }
        // Streamed to a temporary file as it arrives: an upload is never held in memory.
        let fileName: String
        do {
            let file = try PosixFile.creating(temporary)
            var reader = MultipartFileReader(boundary: boundary)
            var received: Int64 = 0
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                guard received <= limit else { return try refuse(tooLarge) }
                try reader.feed(buffer.readableBytesView) { bytes in try file.write(bytes) }
                guard reader.fileBytes <= fileLimits.maxFileBytes else { return try refuse(tooLarge) }
            }
            fileName = try reader.finish()
            guard reader.fileBytes > 0 else { return try refuse("Chọn một tệp để tải lên (tệp rỗng không được nhận).") }
        } catch let error as MultipartError {
            return try refuse("Chọn một tệp để tải lên (biểu mẫu không đọc được: \(error)).")
        }
        let key = "\(unit)/\(year)/\(criterion)"
        if try replica.get("assessment_scores", key: key) == nil {
            return try refuse("Hãy lưu điểm của tiêu chí trước, rồi đính kèm tài liệu.")
        }
        do {
            _ = try EvidenceAttacher(replica: replica, store: store, limits: fileLimits).attach(table: "assessment_scores", record: key, path: temporary, name: fileName)
        } catch let error as FileStoreError {
            return try refuse("Không nhận tệp \(fileName): \(Self.fileWords(error))")
        } catch {
            return try refuse(Self.fieldError(error).message)
        }
        wrote()
        return OfficePages.redirect("/app/tu-danh-gia?nam=\(year)&tep=1#\(Self.anchor(criterion))")
    }

    static func fileWords(_ error: FileStoreError) -> String {
        switch error.kind {
        case .tooLarge: "tệp quá lớn. \(error.message)"
        case .wrongType: "chỉ nhận PDF, Word, Excel, ODF, ảnh JPEG/PNG (nhận biết theo nội dung tệp). \(error.message)"
        case .overQuota: "đã vượt dung lượng tài liệu của năm. \(error.message)"
        default: error.message
        }
    }

    /// POST /app/tep/xoa: detaches a file (its row is deleted; the bytes stay until retention).
    func removeEvidence(_ request: Request) throws -> Response {
        let form = FormBody.current
        let year = try year(request, form: form)
        guard let criterion = form["criterion"], let sha = form["sha256"], SHA256Hex.isValid(sha) else { throw OfficePageError.badRequest("Thiếu tệp cần gỡ.") }
        do {
            try EvidenceAttacher(replica: replica, store: fileStore, limits: fileLimits).detach(table: "assessment_scores", record: "\(unit)/\(year)/\(criterion)", sha256: sha)
        } catch {
            return try selfAssessmentPage(request, errors: [criterion: FieldError(field: "evidence", message: Self.fieldError(error).message)], typed: form)
        }
        wrote()
        return OfficePages.redirect("/app/tu-danh-gia?nam=\(year)&go=1#\(Self.anchor(criterion))")
    }

    /// GET /app/tep/{sha256}: opens a file attached to one of this unit's records.
    func openEvidence(_ hash: String) throws -> Response {
        guard SHA256Hex.isValid(hash), let row = try replica.list("evidence_files", where: ["sha256": .text(hash)], limit: 1).first else {
            throw OfficePageError.notFound("Không có tệp này.")
        }
        let store = fileStore
        guard let size = PosixFile.size(of: store.path(hash)) else {
            throw OfficePageError.notFound("Tệp chưa có trên máy chủ này (sẽ nhận từ Sở Nội vụ khi đồng bộ).")
        }
        var headers = OfficePages.securityHeaders
        headers[.contentType] = SelfAssessmentSheet.text(row.values["content_type"]).isEmpty ? "application/octet-stream" : SelfAssessmentSheet.text(row.values["content_type"])
        headers[.contentDisposition] = ContentDisposition.attachment(SelfAssessmentSheet.text(row.values["name"])).replacingOccurrences(of: "attachment", with: "inline")
        return LocalAPI.streamedFile(store.path(hash), size: size, headers: headers)
    }
}
