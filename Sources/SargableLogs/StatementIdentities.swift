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

/// Fingerprints statement texts, remembering them by text: a text is fingerprinted once while it
/// stays in the (bounded) cache, and the texts of a batch not seen before are fingerprinted in
/// parallel. `LogAnalysis` runs this on a thread of its own ahead of the aggregation, so that
/// the aggregation never waits for libpg_query.
final class StatementIdentities {
    private var cache: [HashedText: StatementIdentity] = [:]
    private let threads: Int
    static let cacheLimit = 200_000

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
        let found = LargeStack.parallelMap(unseen, threads: threads) { StatementIdentity(of: $0.text) }
        for (text, identity) in zip(unseen, found) { cache[text] = identity }
        for (position, slot) in waiting { identities[position] = found[slot] }
        return IdentifiedBatch(identities: identities, textHashes: texts.map(\.hash))
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
