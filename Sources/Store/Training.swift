public import Foundation
import GRDB

/// One completed training, for someone who manages the isolation layer.
public struct TrainingRecord: Hashable, Sendable {
    public var id: Int64
    public var person: String
    public var topic: String
    public var completedAt: Date
    public var notes: String
}

/// A person's training status: their latest training and when the next is due.
public struct TrainingStatus: Hashable, Sendable, Encodable {
    public var person: String
    public var lastTopic: String
    public var due: DueStatus
}

extension Store {
    @discardableResult
    public func recordTraining(
        person: String, topic: String, completedAt: Date, notes: String = "", recordedAt: Date = Date()
    ) throws -> TrainingRecord {
        let person = person.trimmingCharacters(in: .whitespacesAndNewlines)
        let topic = topic.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !person.isEmpty else { throw StoreError(.invalidArgument, "A training record needs a --person.") }
        guard !topic.isEmpty else { throw StoreError(.invalidArgument, "A training record needs a --topic.") }
        guard completedAt <= recordedAt.addingTimeInterval(86_400) else {
            throw StoreError(.invalidArgument, "The training date is in the future; record training once it has happened.")
        }
        let id = try write { db in
            try db.execute(
                sql: "INSERT INTO training (person, topic, completedAt, notes, recordedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [person, topic, completedAt, notes, recordedAt])
            return db.lastInsertedRowID
        }
        return TrainingRecord(id: id, person: person, topic: topic, completedAt: completedAt, notes: notes)
    }

    /// The whole register, oldest first.
    public func trainingRecords() throws -> [TrainingRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM training ORDER BY completedAt, id").map {
                TrainingRecord(id: $0["id"], person: $0["person"], topic: $0["topic"], completedAt: $0["completedAt"], notes: $0["notes"])
            }
        }
    }

    /// Each person's status as of `now` (training recorded after `now` is ignored), sorted by person.
    public func trainingStatus(cadence: Cadence = .yearly, calendar: Calendar, now: Date = Date()) throws -> [TrainingStatus] {
        let records = try trainingRecords().filter { $0.completedAt <= now }
        var latest: [String: TrainingRecord] = [:]
        for r in records where latest[r.person].map({ r.completedAt >= $0.completedAt }) ?? true {
            latest[r.person] = r
        }
        return latest.values.sorted { $0.person < $1.person }.map {
            TrainingStatus(
                person: $0.person, lastTopic: $0.topic,
                due: DueStatus.evaluate(lastDone: $0.completedAt, cadence: cadence, now: now, calendar: calendar))
        }
    }
}
