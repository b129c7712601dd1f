import SargableCore
import SargableSyntax

/// What a statement text is: its libpg_query fingerprint, or unparsed when libpg_query cannot
/// parse it.
enum StatementIdentity: Sendable, Equatable {
    case fingerprint(UInt64)
    case unparsed

    init(of text: String) {
        self = (try? PgQuery.fingerprint(text)).map { .fingerprint($0.value) } ?? .unparsed
    }
}

/// A batch of executions with what each one's text is, in the same order, and the hash of each
/// text (computed once, for every map keyed by the text).
struct IdentifiedBatch: Sendable {
    var identities: [StatementIdentity]
    var textHashes: [Int]
}

/// Fingerprints statement texts, remembering them by text and by `FingerprintKey`: a text is
/// fingerprinted once while it stays in the (bounded) cache, and texts that differ only in
/// constants share one parse. The texts of a batch not seen before are scanned, then the ones
/// whose key is new are parsed, both in parallel. `LogAnalysis` runs this on a thread of its own
/// ahead of the aggregation, so that the aggregation never waits for libpg_query.
final class StatementIdentities {
    private var cache: [HashedText: StatementIdentity] = [:]
    private var cacheByKey: [FingerprintKey: StatementIdentity] = [:]
    private let threads: Int
    static let cacheLimit = 200_000
    private static let textsWorthThreads = 16

    init(threads: Int) { self.threads = threads }

    func identify(_ executions: [Execution]) -> IdentifiedBatch {
        let texts = executions.map { HashedText($0.text) }
        var identities = [StatementIdentity](repeating: .unparsed, count: executions.count)
        var unseen: [HashedText] = []
        var unseenSlot: [HashedText: Int] = [:]
        unseenSlot.reserveCapacity(executions.count)
        var waiting: [(execution: Int, unseen: Int)] = []
        for (position, text) in texts.enumerated() {
            if let identity = cache[text] {
                identities[position] = identity
            } else if let slot = unseenSlot[text] {
                waiting.append((position, slot))
            } else {
                unseenSlot[text] = unseen.count
                waiting.append((position, unseen.count))
                unseen.append(text)
            }
        }
        if cache.count + unseen.count > Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        let found = identify(unseen)
        for (text, identity) in zip(unseen, found) { cache[text] = identity }
        for (position, slot) in waiting { identities[position] = found[slot] }
        return IdentifiedBatch(identities: identities, textHashes: texts.map(\.hash))
    }

    /// Distinct texts' identities: one parse per key not seen before, and one per text without a key.
    private func identify(_ texts: [HashedText]) -> [StatementIdentity] {
        let keys = LargeStack.parallelMap(texts, threads: threads) { FingerprintKey($0.text) }
        // Each text's identity is known already or is that of one of the texts parsed below.
        enum Source { case known(StatementIdentity), parsed(Int) }
        var sources: [Source] = []
        sources.reserveCapacity(texts.count)
        var parsing: [HashedText] = []
        var newKeys: [FingerprintKey: Int] = [:]
        for (text, key) in zip(texts, keys) {
            if let key, let identity = cacheByKey[key] {
                sources.append(.known(identity))
            } else if let key, let slot = newKeys[key] {
                sources.append(.parsed(slot))
            } else {
                if let key { newKeys[key] = parsing.count }
                sources.append(.parsed(parsing.count))
                parsing.append(text)
            }
        }
        // Once the keys are known a batch has few texts to parse: threads would cost more than they save.
        let parsed = LargeStack.parallelMap(parsing, threads: parsing.count < Self.textsWorthThreads ? 1 : threads) {
            StatementIdentity(of: $0.text)
        }
        if cacheByKey.count + newKeys.count > Self.cacheLimit { cacheByKey.removeAll(keepingCapacity: true) }
        for (key, slot) in newKeys { cacheByKey[key] = parsed[slot] }
        return sources.map {
            switch $0 {
            case .known(let identity): identity
            case .parsed(let slot): parsed[slot]
            }
        }
    }
}

/// A statement text and its hash, computed once: dictionaries keyed by it hash an `Int`, not the
/// text, and compare texts only when the hashes are equal.
struct HashedText: Hashable, Sendable {
    let text: String
    let hash: Int

    init(_ text: String) {
        self.text = text
        hash = text.hashValue
    }

    static func == (left: HashedText, right: HashedText) -> Bool { left.hash == right.hash && left.text == right.text }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}
