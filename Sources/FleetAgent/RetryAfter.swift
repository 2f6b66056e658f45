public import Foundation

/// The `Retry-After` header of a 429 or 503 (RFC 9110 §10.2.3): either delta-seconds (`120`) or an
/// HTTP-date in any of the three forms a recipient must accept (§5.6.7): IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`) and
/// asctime (`Sun Nov  6 08:49:37 1994`). The wait is capped (a server, or whatever sits in front of it,
/// cannot park an agent for days) and never negative (a date in the past means "now").
public enum RetryAfter {
    /// The longest wait the agent honours: one hour.
    public static let maximum: TimeInterval = 3600

    /// Seconds to wait from `now`, between 0 and `maximum`; nil when the value is neither form.
    public static func seconds(_ value: String, now: Date = Date(), maximum: TimeInterval = RetryAfter.maximum) -> TimeInterval? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            // Any run of digits is valid; one too long for an Int is simply longer than the cap.
            return min(Double(Int(text) ?? Int.max), maximum)
        }
        guard let date = httpDate(text, now: now) else { return nil }
        return min(max(0, date.timeIntervalSince(now)), maximum)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let shortDays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// An HTTP-date (all three forms; names are case-sensitive, as the grammar says), or nil.
    public static func httpDate(_ text: String, now: Date = Date()) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: String?
        if parts.count == 6, parts[0].hasSuffix(","), shortDays.contains(String(parts[0].dropLast())), parts[5] == "GMT",
            parts[1].count == 2, parts[3].count == 4
        {
            // IMF-fixdate: day-name "," SP date1 SP time-of-day SP GMT
            (day, month, year, time) = (number(parts[1]), months.firstIndex(of: parts[2]), number(parts[3]), parts[4])
        } else if parts.count == 4, parts[0].hasSuffix(","), longDays.contains(String(parts[0].dropLast())), parts[3] == "GMT" {
            // rfc850-date: day-name-l "," SP date2 SP time-of-day SP GMT; date2 = 2DIGIT "-" month "-" 2DIGIT
            let date = parts[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard date.count == 3, date[0].count == 2, date[2].count == 2, let twoDigits = number(date[2]) else { return nil }
            (day, month, time) = (number(date[0]), months.firstIndex(of: date[1]), parts[2])
            // A two-digit year more than 50 years in the future is the most recent past year with those digits.
            let thisYear = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: now).year ?? 2000
            var candidate = thisYear - thisYear % 100 + twoDigits
            if candidate > thisYear + 50 { candidate -= 100 }
            year = candidate
        } else if parts.count == 5, shortDays.contains(parts[0]), (1...2).contains(parts[2].count), parts[4].count == 4 {
            // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT )) SP time-of-day SP year
            (day, month, year, time) = (number(parts[2]), months.firstIndex(of: parts[1]), number(parts[4]), parts[3])
        } else {
            return nil
        }
        guard let day, let month, let year, let time else { return nil }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }), let hour = number(clock[0]), let minute = number(clock[1]),
            let second = number(clock[2]), hour < 24, minute < 60, second <= 60, (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        let components = DateComponents(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: min(second, 59))
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day  // 31 Feb is not a date
        else { return nil }
        return date
    }

    static func number(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }
}
