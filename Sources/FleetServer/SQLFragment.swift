import PostgresNIO

/// SQL text with its values, put together from fragments: what `PostgresQuery`'s own string interpolation does for
/// one literal, for queries that share clauses (`FindingFilter`'s clauses are written once and read by the findings,
/// count and host-page queries). A fragment is a string literal whose interpolations are values, each bound in
/// order to the next `$n` placeholder, or other fragments, spliced in with their values; never SQL text from
/// elsewhere, so the SQL built is the text of the literals alone.
struct SQLFragment: ExpressibleByStringInterpolation {
    enum Piece {
        case text(String)
        case value((inout PostgresBindings) -> Void)
    }

    private(set) var pieces: [Piece]

    init(stringLiteral value: String) { pieces = [.text(value)] }

    init(stringInterpolation: Interpolation) { pieces = stringInterpolation.pieces }

    /// The query to run: the literals' text with a placeholder per value, and the values.
    var query: PostgresQuery {
        var sql = ""
        var binds = PostgresBindings()
        for piece in pieces {
            switch piece {
            case .text(let text): sql += text
            case .value(let bind):
                bind(&binds)
                sql += "$\(binds.count)"
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    struct Interpolation: StringInterpolationProtocol {
        fileprivate(set) var pieces: [Piece] = []

        init(literalCapacity: Int, interpolationCount: Int) {}

        mutating func appendLiteral(_ literal: String) { pieces.append(.text(literal)) }

        /// A value (nil binds NULL), as `PostgresQuery` binds it.
        mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
            pieces.append(.value { $0.append(value) })
        }

        /// Another fragment, its text and values in place.
        mutating func appendInterpolation(_ fragment: SQLFragment) { pieces += fragment.pieces }
    }
}
