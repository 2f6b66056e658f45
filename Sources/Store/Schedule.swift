public import Foundation

/// A review or training interval in calendar units (months are calendar months: a quarter from 30 Nov
/// ends on 28 or 29 Feb, from 31 Aug on 30 Nov). Arithmetic uses an explicit time zone; dates are stored in UTC.
public struct Cadence: Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Hashable, Sendable { case day, week, month, year }
    public var count: Int
    public var unit: Unit

    public init(_ count: Int, _ unit: Unit) {
        self.count = count
        self.unit = unit
    }

    public static let monthly = Cadence(1, .month)
    public static let quarterly = Cadence(3, .month)
    public static let halfYearly = Cadence(6, .month)
    public static let yearly = Cadence(1, .year)

    /// `monthly`, `quarterly`, `half-yearly`, `yearly`/`annually`, or a count and unit: `90d`, `2w`, `6m`, `1y`
    /// (also `6 months`, `2 weeks`).
    public init(parsing text: String) throws {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        switch t {
        case "monthly": self = .monthly; return
        case "quarterly": self = .quarterly; return
        case "half-yearly", "halfyearly", "six-monthly": self = .halfYearly; return
        case "yearly", "annually", "annual": self = .yearly; return
        default: break
        }
        let digits = t.prefix(while: { $0.isASCII && $0.isNumber })
        let rest = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let unit: Unit? =
            switch rest {
            case "d", "day", "days": .day
            case "w", "week", "weeks": .week
            case "m", "month", "months": .month
            case "y", "year", "years": .year
            default: nil
            }
        guard let n = Int(digits), n > 0, n <= 1000, let unit else {
            throw StoreError(
                .invalidArgument,
                "'\(text)' is not an interval: use monthly, quarterly, half-yearly, yearly, or a count and unit such as 90d, 2w, 6m, 1y.")
        }
        self.init(n, unit)
    }

    public var description: String {
        switch (count, unit) {
        case (1, .month): "monthly"
        case (3, .month): "quarterly"
        case (6, .month): "half-yearly"
        case (1, .year): "yearly"
        default: "every \(count) \(unit.rawValue)\(count == 1 ? "" : "s")"
        }
    }

    /// The date one interval after `date`, in `calendar`'s time zone (wall-clock time is kept across DST).
    public func advance(_ date: Date, calendar: Calendar) -> Date? {
        var c = DateComponents()
        switch unit {
        case .day: c.day = count
        case .week: c.day = 7 * count
        case .month: c.month = count
        case .year: c.year = count
        }
        return calendar.date(byAdding: c, to: date)
    }
}

/// Whether something periodic (a review, a person's training) is due.
public struct DueStatus: Hashable, Sendable, Encodable {
    public enum State: String, Hashable, Sendable, Encodable {
        /// Never done: due now.
        case never
        case current
        /// Within the warning window before the due date.
        case dueSoon
        case overdue
    }
    public var lastDone: Date?
    public var dueAt: Date?
    public var state: State
    /// Never done, so due now (a store with no review or training yet).
    public static let neverDone = DueStatus(lastDone: nil, dueAt: nil, state: .never)

    /// True when the state should make a scheduler alert (overdue, or never done).
    public var needsAction: Bool { state == .never || state == .overdue }

    /// `warnDays` before the due date the state becomes `dueSoon`.
    public static func evaluate(
        lastDone: Date?, cadence: Cadence, now: Date, calendar: Calendar, warnDays: Int = 14
    ) -> DueStatus {
        guard let lastDone, let due = cadence.advance(lastDone, calendar: calendar) else {
            return DueStatus(lastDone: lastDone, dueAt: nil, state: .never)
        }
        if now >= due { return DueStatus(lastDone: lastDone, dueAt: due, state: .overdue) }
        let warnFrom = calendar.date(byAdding: .day, value: -warnDays, to: due) ?? due
        return DueStatus(lastDone: lastDone, dueAt: due, state: now >= warnFrom ? .dueSoon : .current)
    }
}

/// Dates typed by a user: `YYYY-MM-DD` (a calendar day in the given time zone) or a full ISO 8601 timestamp
/// with an offset (`2026-11-30T09:00:00+11:00`, `…Z`).
public enum DateInput {
    public static func gregorian(_ timeZone: TimeZone) -> Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        c.locale = Locale(identifier: "en_US_POSIX")
        return c
    }

    /// The first instant of the named day (or the exact timestamp).
    public static func start(_ text: String, timeZone: TimeZone) throws -> Date {
        if let day = try day(text, timeZone: timeZone) { return day }
        return try timestamp(text)
    }

    /// The first instant after the named day (so `--until 2026-12-31` covers all of 31 Dec), or the exact timestamp.
    public static func endExclusive(_ text: String, timeZone: TimeZone) throws -> Date {
        if let day = try day(text, timeZone: timeZone) {
            guard let next = gregorian(timeZone).date(byAdding: .day, value: 1, to: day) else {
                throw StoreError(.invalidArgument, "Cannot compute the day after '\(text)'.")
            }
            return next
        }
        return try timestamp(text)
    }

    static func day(_ text: String, timeZone: TimeZone) throws -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        guard let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        let cal = gregorian(timeZone)
        let comps = DateComponents(year: y, month: m, day: d)
        guard let date = cal.date(from: comps) else {
            throw StoreError(.invalidArgument, "'\(text)' is not a calendar date.")
        }
        let back = cal.dateComponents([.year, .month, .day], from: date)
        guard back.year == y, back.month == m, back.day == d else {
            throw StoreError(.invalidArgument, "'\(text)' is not a calendar date (no such day).")
        }
        return date
    }

    static func timestamp(_ text: String) throws -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        throw StoreError(
            .invalidArgument,
            "'\(text)' is not a date: use YYYY-MM-DD (a day in the chosen time zone) or an ISO 8601 timestamp with an offset such as 2026-11-30T09:00:00+11:00."
        )
    }

    /// `2026-11-30 09:00 +11:00` style, in the given time zone.
    public static func format(_ date: Date, timeZone: TimeZone, withTime: Bool = true) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = withTime ? "yyyy-MM-dd HH:mm xxx" : "yyyy-MM-dd"
        return f.string(from: date)
    }
}
