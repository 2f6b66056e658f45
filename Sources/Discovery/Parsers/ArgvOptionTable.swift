import BulkheadModel
import Formats

/// What one known command-line option does to the configuration being parsed. An argv parser whose options
/// each set one field keeps one table, option name to field, instead of sets of names and a switch over the
/// same names.
enum ArgvOption<Config>: Sendable {
    /// A flag that sets a field.
    case flag(any WritableKeyPath<Config, Bool> & Sendable)
    /// A flag that is known but not kept (`--version`, `--help` …).
    case ignoredFlag
    /// An option whose value goes to a field.
    case string(any WritableKeyPath<Config, String?> & Sendable)
    /// A repeatable option whose values are collected in order.
    case strings(any WritableKeyPath<Config, [String]> & Sendable)
    /// An option whose value is a whole number; `expected` says what it should be when it is not one.
    case integer(any WritableKeyPath<Config, Int?> & Sendable, expected: String)
    /// An option with a value that is known but not kept.
    case ignoredValue
}

/// A table of options and how the words of an argv are read with it: `--name value`, `--name=value`, `-name`.
struct ArgvOptionTable<Config: Hashable & Sendable>: Sendable {
    let options: [String: ArgvOption<Config>]
    /// Where the whole argv is kept.
    let raw: any WritableKeyPath<Config, [String]> & Sendable
    /// Where words that are not options, and unknown options, are kept.
    let unrecognised: any WritableKeyPath<Config, [String]> & Sendable
    /// What a problem calls an unknown option ("unknown jailer option").
    let unknownMessage: String
    /// Whether an unknown option without an inline value takes the next word with it when that is not an option.
    let unknownTakesValue: Bool
    /// Where the words after `--` go; nil when `--` is an option like any other (then unknown).
    var afterDoubleDash: (any WritableKeyPath<Config, [String]> & Sendable)? = nil

    /// Parses `argv` (within `limits`) into `config`: the whole argv, then its options.
    func parse(_ argv: [String], into config: Config, source: String, limits: ParseLimits) throws(ConfigParseError) -> Parsed<Config> {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var config = config
        config[keyPath: raw] = argv
        var problems: [Problem] = []
        read(argv, into: &config, source: source, problems: &problems)
        return Parsed(value: config, problems: problems)
    }

    /// Reads `argv` from its second word into `config`. An option that needs a value but is the last word
    /// ends the reading, with a problem.
    func read(_ argv: [String], into config: inout Config, source: String, problems: inout [Problem]) {
        var i = 1
        while i < argv.count {
            let a = argv[i]
            i += 1
            if let afterDoubleDash, a == "--" {
                config[keyPath: afterDoubleDash] = Array(argv[i...])
                return
            }
            guard let (name, inline) = ParseSupport.option(a) else {
                config[keyPath: unrecognised].append(a)
                continue
            }
            guard let option = options[name] else {
                config[keyPath: unrecognised] +=
                    unknownTakesValue
                    ? ParseSupport.skipUnknownOption(a, inline: inline, argv: argv, index: &i, valuesBefore: argv.count) : [a]
                problems.append(ParseSupport.problem(source, a, unknownMessage))
                continue
            }
            switch option {
            case .flag(let field): config[keyPath: field] = true
            case .ignoredFlag: continue
            case .string, .strings, .integer, .ignoredValue:
                guard let value = ParseSupport.optionValue(a, inline: inline, argv: argv, index: &i, source: source, problems: &problems)
                else { return }
                switch option {
                case .string(let field): config[keyPath: field] = value
                case .strings(let field): config[keyPath: field].append(value)
                case .integer(let field, let expected):
                    config[keyPath: field] = ParseSupport.integer(value, option: a, expected: expected, source: source, problems: &problems)
                case .flag, .ignoredFlag, .ignoredValue: break
                }
            }
        }
    }
}
