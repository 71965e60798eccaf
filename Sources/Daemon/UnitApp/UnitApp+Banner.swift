import Foundation
import NodeSync
import OfficeWeb
import ReformData
import Replica

/// The banner on every page: the last successful sync and its age, changes waiting, "offline"
/// when the last attempt to reach the hub failed after it, the season's phase and days to the
/// next deadline, and the "sync now" button. Read from this node's replica only (no network).
extension UnitApp {
    func banner(csrf: String, back: String) -> String {
        let meta = (try? replica.allMeta()) ?? [:]
        let lastSync = meta["last_sync_ok_at"].flatMap(Timestamp.date)
        var context: [String: Any] = ["csrf": csrf, "back": back]
        if let lastSync {
            context["lastSync"] = Self.vietnamTime(lastSync)
            context["age"] = Self.age(Date().timeIntervalSince(lastSync))
        }
        let failure = failures.last
        let lastError = meta["last_error_at"].flatMap(Timestamp.date)
        let failedAt = [failure?.at, lastError].compactMap { $0 }.max()
        if let failedAt, lastSync.map({ failedAt > $0 }) ?? true {
            context["offline"] = true
            context["offlineSince"] = Self.vietnamTime(failedAt)
        }
        if let pending = try? SyncSession.pending(replica, measuringBytes: false) { context["pending"] = pending.count }
        if let season = try? SeasonStatus.of(replica, unit: unit, now: Replica.systemMillis()) {
            context["seasonYear"] = season.year
            context["phase"] = Self.phaseWords(season.phase)
            if let deadline = season.deadline { context["deadline"] = Self.vietnamDate(deadline) }
            if let days = season.daysLeft { context["daysLeft"] = days; context["urgent"] = days <= SeasonStatus.warningDays }
        }
        return office.pages.fragment("banner", context)
    }

    static func phaseWords(_ phase: String) -> String {
        switch phase {
        case SeasonPhase.selfAssessment.rawValue: "tự đánh giá"
        case SeasonPhase.appraisal.rawValue: "thẩm định"
        case SeasonPhase.explanation.rawValue: "giải trình"
        case SeasonPhase.reappraisal.rawValue: "thẩm định lại"
        case SeasonPhase.final.rawValue: "công bố kết quả"
        default: "đã kết thúc"
        }
    }

    /// "30/11/2026 14:05" in Vietnam time (UTC+7, no daylight saving).
    static func vietnamTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        formatter.dateFormat = "dd/MM/yyyy HH:mm"
        return formatter.string(from: date)
    }

    /// "2026-12-31" → "31/12/2026".
    static func vietnamDate(_ iso: String) -> String {
        let parts = iso.split(separator: "-")
        return parts.count == 3 ? "\(parts[2])/\(parts[1])/\(parts[0])" : iso
    }

    static func age(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<60: "vừa xong"
        case ..<3600: "\(Int(seconds / 60)) phút trước"
        case ..<86_400: "\(Int(seconds / 3600)) giờ trước"
        default: "\(Int(seconds / 86_400)) ngày trước"
        }
    }
}
