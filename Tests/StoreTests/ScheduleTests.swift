import Foundation
import Store
import Testing

@Suite struct ScheduleTests {
    func ymd(_ d: Date, _ tz: TimeZone) -> [Int] {
        let c = cal(tz).dateComponents([.year, .month, .day, .hour, .minute], from: d)
        return [c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0]
    }

    @Test(arguments: [utc, sydney, perth, TimeZone(identifier: "America/New_York")!])
    func quarterFrom30NovEndsOnLastDayOfFebruary(tz: TimeZone) throws {
        let c = cal(tz)
        let nonLeap = try #require(Cadence.quarterly.advance(at(2026, 11, 30, 9, 0, in: tz), calendar: c))
        #expect(ymd(nonLeap, tz) == [2027, 2, 28, 9, 0])
        let leap = try #require(Cadence.quarterly.advance(at(2027, 11, 30, 9, 0, in: tz), calendar: c))
        #expect(ymd(leap, tz) == [2028, 2, 29, 9, 0])
        let fromAug31 = try #require(Cadence.quarterly.advance(at(2026, 8, 31, 17, 30, in: tz), calendar: c))
        #expect(ymd(fromAug31, tz) == [2026, 11, 30, 17, 30])
        let yearFromLeapDay = try #require(Cadence.yearly.advance(at(2028, 2, 29, 12, 0, in: tz), calendar: c))
        #expect(ymd(yearFromLeapDay, tz) == [2029, 2, 28, 12, 0])
    }

    @Test func quarterAcrossSydneyDaylightSavingKeepsWallClockTime() throws {
        // AEST (UTC+10) on 1 Sep 2026; AEDT (UTC+11) from 4 Oct 2026 to 4 Apr 2027.
        let c = cal(sydney)
        let start = at(2026, 9, 1, 9, 0, in: sydney)
        #expect(ymd(start, utc) == [2026, 8, 31, 23, 0])
        let due = try #require(Cadence.quarterly.advance(start, calendar: c))
        #expect(ymd(due, sydney) == [2026, 12, 1, 9, 0])
        #expect(ymd(due, utc) == [2026, 11, 30, 22, 0])
        // 91 days of wall clock, one hour shorter in absolute time.
        #expect(due.timeIntervalSince(start) == 91 * 86_400 - 3_600)
        // And back out of daylight saving: 1 Feb (AEDT) + 3 months = 1 May (AEST) 09:00.
        let back = try #require(Cadence.quarterly.advance(at(2027, 2, 1, 9, 0, in: sydney), calendar: c))
        #expect(ymd(back, sydney) == [2027, 5, 1, 9, 0])
        #expect(ymd(back, utc) == [2027, 4, 30, 23, 0])
    }

    @Test func dayInputIsTheLocalDayAndUntilCoversTheWholeDay() throws {
        let start = try DateInput.start("2026-10-04", timeZone: sydney)  // the day DST starts in Sydney
        #expect(ymd(start, utc) == [2026, 10, 3, 14, 0])
        let end = try DateInput.endExclusive("2026-10-04", timeZone: sydney)
        #expect(end.timeIntervalSince(start) == 23 * 3_600)  // a 23-hour day
        let perthDay = try DateInput.start("2026-11-30", timeZone: perth)
        #expect(ymd(perthDay, utc) == [2026, 11, 29, 16, 0])
        let ts = try DateInput.start("2026-11-30T09:00:00+11:00", timeZone: perth)
        #expect(ymd(ts, utc) == [2026, 11, 29, 22, 0])
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "26-01-01", "yesterday", "2026-1-1", "", "2026-04-31"])
    func badDatesAreRejectedWithAClearMessage(text: String) {
        do {
            _ = try DateInput.start(text, timeZone: utc)
            Issue.record("accepted '\(text)'")
        } catch let e as StoreError {
            #expect(e.code == .invalidArgument)
            #expect(e.message.contains("'\(text)'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func cadenceParsing() throws {
        #expect(try Cadence(parsing: "quarterly") == .quarterly)
        #expect(try Cadence(parsing: "Yearly") == .yearly)
        #expect(try Cadence(parsing: "90d") == Cadence(90, .day))
        #expect(try Cadence(parsing: "6 months") == .halfYearly)
        #expect(try Cadence(parsing: "2w") == Cadence(2, .week))
        for bad in ["0m", "-3m", "3 fortnights", "", "m", "99999y"] {
            #expect(throws: StoreError.self) { try Cadence(parsing: bad) }
        }
        #expect(Cadence.quarterly.description == "quarterly")
        #expect(Cadence(90, .day).description == "every 90 days")
    }

    @Test func dueStates() {
        let c = cal(sydney)
        let last = at(2026, 11, 30, 10, 0, in: sydney)
        #expect(DueStatus.evaluate(lastDone: nil, cadence: .quarterly, now: last, calendar: c).state == .never)
        #expect(DueStatus.evaluate(lastDone: last, cadence: .quarterly, now: at(2027, 1, 15, in: sydney), calendar: c).state == .current)
        #expect(DueStatus.evaluate(lastDone: last, cadence: .quarterly, now: at(2027, 2, 20, in: sydney), calendar: c).state == .dueSoon)
        // Due 28 Feb 10:00 Sydney: a minute before is not overdue, the due instant is.
        #expect(DueStatus.evaluate(lastDone: last, cadence: .quarterly, now: at(2027, 2, 28, 9, 59, in: sydney), calendar: c).state == .dueSoon)
        let over = DueStatus.evaluate(lastDone: last, cadence: .quarterly, now: at(2027, 2, 28, 10, 0, in: sydney), calendar: c)
        #expect(over.state == .overdue && over.needsAction)
    }

    @Test func reviewDueFollowsSignOffsInTheStore() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        let c = cal(sydney)
        #expect(try store.reviewDue(calendar: c, now: at(2026, 12, 1)).state == .never)
        try store.record(sampleRecord(finished: at(2026, 11, 29, in: sydney)))
        let r = try store.startReview(by: "Alex Reviewer", notes: "Q4", at: at(2026, 11, 30, 9, 0, in: sydney))
        #expect(r.runIDs == [1])
        // An open review does not reset the schedule.
        #expect(try store.reviewDue(calendar: c, now: at(2026, 12, 1)).state == .never)
        try store.signOffReview(by: "Sam CISO", decisions: "Enable -sandbox on web01", at: at(2026, 11, 30, 15, 0, in: sydney))
        let due = try store.reviewDue(calendar: c, now: at(2027, 1, 1))
        #expect(due.state == .current)
        #expect(ymd(try #require(due.dueAt), sydney) == [2027, 2, 28, 15, 0])
        #expect(try store.reviewDue(calendar: c, now: at(2027, 3, 1, in: sydney)).state == .overdue)
        #expect(try store.reviewDue(cadence: .yearly, calendar: c, now: at(2027, 3, 1, in: sydney)).state == .current)
        // Signing off twice, or with no open review, is refused.
        #expect(throws: StoreError.self) { try store.signOffReview(id: r.id, by: "x", decisions: "y") }
        #expect(throws: StoreError.self) { try store.signOffReview(by: "x", decisions: "y") }
        #expect(throws: StoreError.self) { try store.startReview(by: "  ") }
        #expect(throws: StoreError.self) { try store.startReview(by: "a", runs: [42]) }
    }

    @Test func trainingRegisterDueDates() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        let c = cal(perth)
        try store.recordTraining(person: "Kim", topic: "KVM hardening", completedAt: at(2024, 12, 31, in: perth), recordedAt: at(2025, 1, 1))
        try store.recordTraining(person: "Lee", topic: "gVisor ops", completedAt: at(2024, 2, 29, in: perth), recordedAt: at(2024, 3, 1))
        try store.recordTraining(person: "Lee", topic: "ISM refresher", completedAt: at(2026, 1, 10, in: perth), recordedAt: at(2026, 1, 10))
        let s = try store.trainingStatus(calendar: c, now: at(2026, 1, 20))
        #expect(s.map(\.person) == ["Kim", "Lee"])
        #expect(s[0].due.state == .overdue)
        #expect(ymd(try #require(s[0].due.dueAt), perth) == [2025, 12, 31, 0, 0])
        #expect(s[1].due.state == .current && s[1].lastTopic == "ISM refresher")
        // As of an earlier date, later training is not counted: Lee's 29 Feb 2024 is due 28 Feb 2025.
        let early = try store.trainingStatus(calendar: c, now: at(2024, 6, 1))
        #expect(early.map(\.person) == ["Lee"])
        #expect(ymd(try #require(early.last?.due.dueAt), perth) == [2025, 2, 28, 0, 0])
        #expect(throws: StoreError.self) {
            try store.recordTraining(person: "Kim", topic: "x", completedAt: at(2030, 1, 1), recordedAt: at(2026, 1, 1))
        }
        #expect(throws: StoreError.self) { try store.recordTraining(person: "", topic: "x", completedAt: at(2026, 1, 1)) }
    }
}
