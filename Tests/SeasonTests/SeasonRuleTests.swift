import CRDT
import ReformData
import Testing

@Suite("season days and the pure season rules (Protocol §17)")
struct SeasonRuleTests {
    /// Regressions (FuzzSeasonDates): a millisecond time above `Int64.max` − 7 h overflowed adding
    /// Vietnam's offset (input `d0 32 2d 30 31 d0 32 38`), and `daysLeft` overflowed rounding up a
    /// gap above `Int64.max` − 1 day (input `AAAAAAAA////CgoKAAAABAAAPxAz`): both trapped. Such
    /// times now print as the last representable day, and every gap gives its count of days.
    @Test("any millisecond time prints as a day, never traps")
    func farMillisecondTimesDoNotTrap() {
        for millis in [UInt64(0xd032_2d30_31d0_3238), .max, UInt64(Int64.max), UInt64(Int64.max) - 25_200_000] {
            #expect(SeasonDay.date(millis: millis) == "292278994-08-17", "\(millis)")
            #expect(SeasonDay.dateTime(millis: millis).hasPrefix("292278994-08-17 "), "\(millis)")
        }
        #expect(SeasonDay.date(millis: 0) == "1970-01-01")
        #expect(SeasonDay.daysLeft(from: 0, to: .max) == 213_503_982_335)
        #expect(SeasonDay.daysLeft(from: 1, to: UInt64(Int64.max) + 1) == 106_751_991_168)
    }

    @Test("a phase's last day ends at 24:00 Vietnam time, 17:00 UTC, on every replica alike")
    func lastDayEndsAtMidnightVietnamTime() {
        // 2022-01-15T17:00:00Z
        #expect(SeasonDay.endMillis("2022-01-15") == 1_642_266_000_000)
        #expect(SeasonDay.date(millis: 1_642_266_000_000 - 1) == "2022-01-15")
        #expect(SeasonDay.date(millis: 1_642_266_000_000) == "2022-01-16")
        #expect(SeasonDay.dateTime(millis: 1_642_266_000_000 - 60_000) == "2022-01-15 23:59")
        #expect(SeasonDay.endMillis("2024-02-29") != nil)
        for bad in ["2021-02-29", "2022-13-01", "2022-1-15", "15/01/2022", "", "2022-01-32", "abcd-ef-gh"] {
            #expect(SeasonDay.endMillis(bad) == nil, "\(bad)")
        }
        #expect(SeasonDay.daysLeft(from: 0, to: 1) == 1)
        #expect(SeasonDay.daysLeft(from: 0, to: 86_400_000) == 1)
        #expect(SeasonDay.daysLeft(from: 0, to: 86_400_001) == 2)
        #expect(SeasonDay.daysLeft(from: 5, to: 1) == 0)
    }

    static let site = SiteID("00000000000000a1")!
    static let season = Season(year: 2021, key: "2021/all", until: [
        .selfAssessment: "2022-01-15", .appraisal: "2022-02-28", .explanation: "2022-03-15", .reappraisal: "2022-03-31", .final: "2022-06-18",
    ])
    static let facts = SeasonFacts(unit: "SONDUONG", seasons: [2021: season], submissions: [:])
    static let deadline = SeasonDay.endMillis("2022-01-15")!

    static func change(_ column: String? = "self_score", at millis: UInt64, key: String = "SONDUONG/2021/C1") -> Change {
        Change(table: "assessment_scores", key: key, column: column, value: column == nil ? .null : .real(2),
               stamp: Stamp(hlc: HLC(millis: millis), site: site), causalLength: 1)
    }

    @Test("a self-score is judged by when it was written: in time accepted, after the deadline refused naming it")
    func writtenBeforeOrAfterTheDeadline() {
        let policy = SeasonPolicy()
        #expect(policy.check(Self.change(at: Self.deadline - 1), facts: Self.facts, storedRow: nil, arrivedAt: Self.deadline + 86_400_000 * 7) == nil)
        let late = policy.check(Self.change(at: Self.deadline), facts: Self.facts, storedRow: nil)
        #expect(late?.code == "phase_closed")
        #expect(late?.reason.contains("2022-01-15 24:00 Vietnam time") == true, "\(late?.reason ?? "")")
        // A row marker is governed like its fields; another year or table is not.
        #expect(policy.check(Self.change(nil, at: Self.deadline + 1), facts: Self.facts, storedRow: nil)?.code == "phase_closed")
        #expect(policy.check(Self.change(at: Self.deadline + 1, key: "SONDUONG/2022/C1"), facts: Self.facts, storedRow: nil) == nil)
        var other = Self.change(at: Self.deadline + 1)
        other.table = "initiatives"
        #expect(policy.check(other, facts: Self.facts, storedRow: nil) == nil)
    }

    @Test("an in-time change arriving after the late-acceptance window is refused; one the replica holds never is")
    func lateAcceptanceWindow() {
        let policy = SeasonPolicy(lateAcceptanceMillis: 30 * 86_400_000)
        let change = Self.change(at: Self.deadline - 1)
        #expect(policy.check(change, facts: Self.facts, storedRow: nil, arrivedAt: Self.deadline + 30 * 86_400_000 - 1) == nil)
        let refusal = policy.check(change, facts: Self.facts, storedRow: nil, arrivedAt: Self.deadline + 30 * 86_400_000)
        #expect(refusal?.code == "phase_closed" && refusal?.reason.contains("more than 30 days") == true, "\(String(describing: refusal))")
        // Re-sent after a hub restore: the hub already holds it, so it is not refused.
        var row = RowState()
        _ = row.merge(change)
        #expect(policy.check(change, facts: Self.facts, storedRow: row, arrivedAt: Self.deadline + 300 * 86_400_000) == nil)
    }

    @Test("an extension moves one unit's deadline")
    func extensionForOneUnit() {
        var facts = Self.facts
        facts.seasons[2021]!.extended[.selfAssessment] = "2022-01-22"
        let change = Self.change(at: Self.deadline + 3 * 86_400_000)
        #expect(SeasonPolicy().check(change, facts: facts, storedRow: nil) == nil)
        #expect(SeasonPolicy().check(change, facts: Self.facts, storedRow: nil)?.code == "phase_closed")
        let after = SeasonPolicy().check(Self.change(at: SeasonDay.endMillis("2022-01-22")!), facts: facts, storedRow: nil)
        #expect(after?.reason.contains("extended for SONDUONG") == true, "\(String(describing: after))")
    }

    @Test("explanations are open in the explanation phase only")
    func explanationPhase() {
        let policy = SeasonPolicy()
        let appraisalEnds = SeasonDay.endMillis("2022-02-28")!, explanationEnds = SeasonDay.endMillis("2022-03-15")!
        let early = policy.check(Self.change("explanation", at: appraisalEnds - 1), facts: Self.facts, storedRow: nil)
        #expect(early?.code == "phase_closed" && early?.reason.contains("opens") == true, "\(String(describing: early))")
        #expect(policy.check(Self.change("explanation", at: appraisalEnds), facts: Self.facts, storedRow: nil) == nil)
        #expect(policy.check(Self.change("explanation_evidence", at: explanationEnds - 1), facts: Self.facts, storedRow: nil) == nil)
        #expect(policy.check(Self.change("explanation", at: explanationEnds), facts: Self.facts, storedRow: nil)?.code == "phase_closed")
    }

    @Test("site clocks: first seen after the deadline, or a clock behind the deadline when seen after it")
    func backDating() {
        let policy = SeasonPolicy()
        let written = Self.change(at: Self.deadline - 86_400_000)
        let arrived = Self.deadline + 86_400_000
        // Seen before the deadline, its clock past the written stamp after it: accepted.
        let honest = SiteClockFacts(trustedSince: 0, contacts: [(at: arrived, clock: HLC(millis: Self.deadline - 1000))])
        #expect(policy.check(written, facts: Self.facts, storedRow: nil, arrivedAt: arrived, site: honest) == nil)
        // Its clock stood below the stamp when it was seen after the deadline: written later, back-dated.
        let behind = SiteClockFacts(trustedSince: 0, contacts: [(at: arrived, clock: HLC(millis: Self.deadline - 2 * 86_400_000))])
        #expect(policy.check(written, facts: Self.facts, storedRow: nil, arrivedAt: arrived, site: behind)?.code == "backdated")
        // A contact before the deadline says nothing.
        let before = SiteClockFacts(trustedSince: 0, contacts: [(at: Self.deadline - 1, clock: HLC(millis: 0))])
        #expect(policy.check(written, facts: Self.facts, storedRow: nil, arrivedAt: arrived, site: before) == nil)
        // A replica first seen after the deadline.
        let fresh = SiteClockFacts(trustedSince: Self.deadline, contacts: [])
        #expect(policy.check(written, facts: Self.facts, storedRow: nil, arrivedAt: arrived, site: fresh)?.code == "site_after_deadline")
    }

    @Test("after submission self-scores are locked, the submission itself and explanations are not; a reopening lifts the lock")
    func submissionLock() {
        let submitted = Stamp(hlc: HLC(millis: Self.deadline - 10 * 86_400_000), site: Self.site)
        var facts = Self.facts
        facts.submissions[2021] = Submission(submittedStamp: submitted, reopened: false)
        let before = Self.change(at: Self.deadline - 11 * 86_400_000), after = Self.change(at: Self.deadline - 9 * 86_400_000)
        #expect(SeasonPolicy().check(before, facts: facts, storedRow: nil) == nil)
        #expect(SeasonPolicy().check(after, facts: facts, storedRow: nil)?.code == "submitted")
        #expect(SeasonPolicy().check(Self.change("explanation", at: SeasonDay.endMillis("2022-03-01")!), facts: facts, storedRow: nil) == nil)
        facts.submissions[2021]!.reopened = true
        #expect(SeasonPolicy().check(after, facts: facts, storedRow: nil) == nil)
    }

    @Test("a submission is read from the assessment's cells: reopened counts only when stamped after it")
    func submissionFromCells() {
        func cell(_ name: String, _ value: Value, _ millis: UInt64) -> Change {
            Change(table: "assessments", key: "SONDUONG/2021", column: name, value: value, stamp: Stamp(hlc: HLC(millis: millis), site: Self.site), causalLength: 1)
        }
        var row = RowState()
        _ = row.merge(Change(table: "assessments", key: "SONDUONG/2021", column: nil, value: .null, stamp: Stamp(hlc: HLC(millis: 1), site: Self.site), causalLength: 1))
        _ = row.merge(cell("status", .text("submitted"), 10))
        #expect(Submission(row: row).lockedAfter?.hlc == HLC(millis: 10))
        _ = row.merge(cell("reopened", .integer(1), 20))
        #expect(Submission(row: row).lockedAfter == nil)
        _ = row.merge(cell("status", .text("submitted"), 30))  // submitted again after the reopening
        #expect(Submission(row: row).lockedAfter?.hlc == HLC(millis: 30))
    }
}
