import Foundation

// The mergeable state of the analyzer, the statement breakdown and the server events: what a
// log summary holds, and how two of them add up to what one pass over both logs gives.

extension WorkloadAnalyzer {
    struct State: Codable {
        var groups: [Group]
        var findings: [FindingState]
        var timeline: [Int: Int]
        var timelineBucket: Int
        var executions: Int
        var errors: Int
        var clientSessions: Int
        var breakdown: QueryBreakdownCounter.State
        var firstSeen: Double?
        var lastSeen: Double?
    }

    /// A finding of an ended session, its statements named by fingerprint rather than by index.
    struct FindingState: Codable {
        var rule: String
        var session: Int
        var group: String
        var parent: String?
        var accumulator: FindingAccumulator
    }

    /// What the executions so far add up to. Every session must have ended (`endSessions`): a
    /// summary holds the sessions still open as their entries, not as detector state.
    func state() -> State {
        processBatch()
        breakdown.flushMinute()
        let found = findings.map { key, value in
            var accumulator = value
            accumulator.parent = nil
            return FindingState(rule: key.rule, session: key.session, group: groups[key.group].key,
                                parent: value.parent.map { groups[$0].key }, accumulator: accumulator)
        }.sorted { ($0.rule, $0.session, $0.group) < ($1.rule, $1.session, $1.group) }
        return State(groups: groups, findings: found, timeline: timeline, timelineBucket: timelineBucket,
                     executions: executions, errors: errors, clientSessions: clientSessions, breakdown: breakdown.state(),
                     firstSeen: firstSeen, lastSeen: lastSeen)
    }

    /// Adds another part of the log's state; its inputs' ordinals are shifted by `fileOffset`.
    func absorb(_ state: State, fileOffset: Int) {
        processBatch()
        for var group in state.groups {
            group.shift(files: fileOffset)
            if let index = groupIndex(key: group.key) {
                groups[index].absorb(group)
                continue
            }
            let index = groups.count
            if group.key.hasPrefix("unparsed-") {
                groupByUnparsedText[group.key] = index
            } else if let value = UInt64(group.key, radix: 16) {
                groupByFingerprint[value] = index
            }
            groups.append(group)
        }
        // Each part numbers its sessions from 0: absorbed ones get numbers of their own.
        var sessions: [Int: Int] = [:]
        for found in state.findings {
            guard let group = groupIndex(key: found.group) else { continue }
            let session = sessions[found.session] ?? {
                absorbedSessions -= 1
                sessions[found.session] = absorbedSessions
                return absorbedSessions
            }()
            var accumulator = found.accumulator
            accumulator.firstFile += fileOffset
            accumulator.parent = found.parent.flatMap(groupIndex(key:))
            findings[FindingKey(rule: found.rule, session: session, group: group)] = accumulator
        }
        let width = max(timelineBucket, state.timelineBucket)
        var merged: [Int: Int] = [:]
        for (bucket, count) in timeline { merged[Self.floorDivide(bucket * timelineBucket, width), default: 0] += count }
        for (bucket, count) in state.timeline { merged[Self.floorDivide(bucket * state.timelineBucket, width), default: 0] += count }
        timeline = merged
        timelineBucket = width
        widenTimeline()
        executions = executions.addingSaturated(state.executions)
        errors += state.errors
        clientSessions += state.clientSessions
        breakdown.absorb(state.breakdown, fileOffset: fileOffset)
        firstSeen = [firstSeen, state.firstSeen].compactMap { $0 }.min()
        lastSeen = [lastSeen, state.lastSeen].compactMap { $0 }.max()
    }
}

extension WorkloadAnalyzer {
    /// A session's segment in a summary: its groups named by fingerprint, not by index.
    struct StoredSegment: Codable {
        var groups: [String]
        var findings: [FindingState]
        var identical: [StoredIdentical]
        var totals: QueryBreakdownCounter.Totals?
        var counted: Bool
        var start: Group.Position?
        /// Who the session was, as far as the segment's entries tell.
        var info: SessionInfo

        struct StoredIdentical: Codable {
            var group: String
            var parameters: Int
            var value: Identical
        }

        mutating func shift(files offset: Int) {
            for index in findings.indices { findings[index].accumulator.firstFile += offset }
            for index in identical.indices { identical[index].value.firstFile += offset }
            start?.file += offset
        }
    }

    func stored(_ segment: SessionSegment, info: SessionInfo) -> StoredSegment {
        let findings = segment.findings.map { found in
            var accumulator = found.accumulator
            accumulator.parent = nil
            return FindingState(rule: found.rule, session: 0, group: groups[found.group].key,
                                parent: found.accumulator.parent.map { groups[$0].key }, accumulator: accumulator)
        }
        let identical = segment.identical.map { key, value in
            StoredSegment.StoredIdentical(group: groups[key.group].key, parameters: key.parameters, value: value)
        }.sorted { ($0.group, $0.parameters) < ($1.group, $1.parameters) }
        return StoredSegment(groups: segment.groups.map { groups[$0].key }.sorted(), findings: findings, identical: identical,
                             totals: segment.totals, counted: segment.counted, start: segment.start, info: info)
    }

    /// A stored segment of groups this analyzer holds (its summary's state was absorbed).
    func segment(_ stored: StoredSegment) -> SessionSegment {
        var segment = SessionSegment()
        segment.groups = Set(stored.groups.compactMap(groupIndex(key:)))
        segment.findings = stored.findings.compactMap { found in
            guard let group = groupIndex(key: found.group) else { return nil }
            var accumulator = found.accumulator
            accumulator.parent = found.parent.flatMap(groupIndex(key:))
            return (found.rule, group, accumulator)
        }
        for item in stored.identical {
            guard let group = groupIndex(key: item.group) else { continue }
            segment.identical[IdenticalKey(group: group, parameters: item.parameters)] = item.value
        }
        segment.totals = stored.totals
        segment.counted = stored.counted
        segment.start = stored.start
        return segment
    }

    /// A new number for a session put together from a summary's segments.
    func sessionNumberForMerge() -> Int {
        absorbedSessions -= 1
        return absorbedSessions
    }
}

extension SessionInfo {
    /// Who a session was from two of its parts in order: each field as the earlier part first told it.
    func completed(by later: SessionInfo) -> SessionInfo {
        var result = self
        result.id = id ?? later.id
        result.pid = pid ?? later.pid
        result.user = user ?? later.user
        result.database = database ?? later.database
        result.application = application ?? later.application
        result.host = host ?? later.host
        return result
    }
}

extension Group {
    mutating func shift(files offset: Int) {
        first.position.file += offset
        withParameters?.position.file += offset
        withPlan?.position.file += offset
    }

    /// Adds the same statement's totals from another part of the log.
    mutating func absorb(_ other: Group) {
        calls = calls.addingSaturated(other.calls)
        errors += other.errors
        timedMs.add(other.timedMs)
        importedMs = importedMs.addingSaturated(other.importedMs)
        maxMs = max(maxMs, other.maxMs)
        // One pass keeps the first 2,048 durations exactly, then buckets them all.
        if histogram.isEmpty, other.histogram.isEmpty, durations.count + other.durations.count <= 2048 {
            durations += other.durations
        } else {
            for value in durations + other.durations { histogram[Self.bucket(value), default: 0] += 1 }
            for (bucket, count) in other.histogram { histogram[bucket, default: 0] += count }
            durations.removeAll()
        }
        timedCalls += other.timedCalls
        hasPercentiles = hasPercentiles && other.hasPercentiles
        sessions += other.sessions
        firstSeen = [firstSeen, other.firstSeen].compactMap { $0 }.min()
        lastSeen = [lastSeen, other.lastSeen].compactMap { $0 }.max()
        if other.first.position < first.position {
            first = other.first
            query = other.query
        }
        if let theirs = other.withParameters, withParameters.map({ theirs.position < $0.position }) ?? true { withParameters = theirs }
        if let theirs = other.withPlan, withPlan.map({ theirs.position < $0.position }) ?? true { withPlan = theirs }
        for sample in other.parameterSamples { keepSample(sample) }
    }
}

extension QueryBreakdownCounter {
    struct State: Codable {
        var byType: [String: Totals]
        var byDatabase: [String: Totals]
        var byUser: [String: Totals]
        var byApplication: [String: Totals]
        var byHost: [String: Totals]
        var slowest: [Slow]
        var minutes: [Int: Bucket]
        var minutesOverflowed: Bool
        var hours: [Int: Bucket]
    }

    mutating func state() -> State {
        flushMinute()
        return State(byType: byType, byDatabase: byDatabase, byUser: byUser, byApplication: byApplication, byHost: byHost,
                     slowest: slowest, minutes: minutes, minutesOverflowed: minutesOverflowed, hours: hours)
    }

    mutating func absorb(_ other: State, fileOffset: Int) {
        flushMinute()
        func add(_ mine: inout [String: Totals], _ theirs: [String: Totals]) {
            for (name, totals) in theirs { mine[name, default: Totals()].add(totals) }
        }
        add(&byType, other.byType)
        add(&byDatabase, other.byDatabase)
        add(&byUser, other.byUser)
        add(&byApplication, other.byApplication)
        add(&byHost, other.byHost)
        let shifted = other.slowest.map { slow -> Slow in
            var moved = slow
            moved.execution.file += fileOffset
            moved.segment?.file += fileOffset
            return moved
        }
        slowest = Array((slowest + shifted).sorted { $0.outranks($1) }.prefix(OperationalReport.QueryBreakdown.slowestKept))
        for (hour, bucket) in other.hours { hours[hour, default: Bucket()].add(bucket) }
        if minutesOverflowed || other.minutesOverflowed {
            minutesOverflowed = true
            minutes.removeAll()
        } else {
            for (minute, bucket) in other.minutes { minutes[minute, default: Bucket()].add(bucket) }
            if minutes.count > Self.minutesKept {
                minutesOverflowed = true
                minutes.removeAll()
            }
        }
    }
}


extension ServerEventCollector {
    struct State: Codable {
        var entries: Int
        var report: OperationalReport
        var errorMessages: [String: OperationalReport.ErrorMessage]
        var severities: [String: Int]
        var states: [String: [String: Int]]
        var otherMessages: Int
        var lockModes: [String: Int]
        var lockObjects: [String: OperationalReport.LockObject]
        var temporaryStatements: [String: OperationalReport.TemporaryFileStatement]
        var causes: [String: Int]
        var tables: [String: OperationalReport.TableMaintenance]
        var connectionTallies: [String: [String: Int]]
        var durations: [String: Int]
        var sums: [String: ExactSum]
    }

    private static func tallyPaths() -> [(name: String, path: WritableKeyPath<OperationalReport.ConnectionReport, [OperationalReport.Tally]>)] {
        [("database", \.byDatabase), ("user", \.byUser), ("application", \.byApplication), ("host", \.byHost)]
    }

    /// The events of the inputs read so far; what is pending at the end of the input is completed.
    func state() -> State {
        finishFile()
        var tallies: [String: [String: Int]] = [:]
        for (name, path) in Self.tallyPaths() { tallies[name] = connectionTallies[path] }
        return State(entries: entries, report: report, errorMessages: errorMessages, severities: severities, states: states,
                     otherMessages: otherMessages, lockModes: lockModes, lockObjects: lockObjects,
                     temporaryStatements: temporaryStatements, causes: causes, tables: tables, connectionTallies: tallies,
                     durations: durations, sums: sums)
    }

    /// Adds the events of inputs that come after those collected so far. Exact while the kept
    /// lists stay under their limits (`messagesKept` distinct messages, objects and statements).
    func absorb(_ other: State) {
        entries += other.entries
        for (name, sum) in other.sums { sums[name, default: ExactSum()].add(sum) }
        func sum(_ name: String) -> Double { sums[name]?.value ?? 0 }
        func add(_ mine: inout [String: Int], _ theirs: [String: Int]) {
            for (name, count) in theirs { mine[name, default: 0] += count }
        }
        var result = report
        let theirs = other.report
        let counts: [WritableKeyPath<OperationalReport, Int>] = [
            \.errors.total, \.errors.withoutSQLState, \.lockWaits.waits, \.lockWaits.acquired, \.lockWaits.deadlocked,
            \.lockWaits.notAcquired, \.deadlocks.count, \.temporaryFiles.count, \.temporaryFiles.withoutStatement,
            \.checkpoints.started, \.checkpoints.completed, \.checkpoints.restartpoints, \.checkpoints.tooFrequent,
            \.checkpoints.buffersWritten, \.checkpoints.walFilesAdded, \.checkpoints.walFilesRemoved,
            \.checkpoints.walFilesRecycled, \.maintenance.vacuums, \.maintenance.analyzes, \.connections.received,
            \.connections.authorized, \.connections.disconnections,
        ]
        for path in counts { result[keyPath: path] += theirs[keyPath: path] }
        let largest: [WritableKeyPath<OperationalReport, Double>] = [
            \.lockWaits.maxMs, \.checkpoints.maxTotalSeconds, \.checkpoints.maxDistanceKB, \.connections.maxSessionSeconds,
        ]
        for path in largest { result[keyPath: path] = max(result[keyPath: path], theirs[keyPath: path]) }
        // The totals `record` keeps exact, by the names it keeps them under.
        let totals: [(String, WritableKeyPath<OperationalReport, Double>)] = [
            ("lock-waits", \.lockWaits.totalMs), ("checkpoint-write", \.checkpoints.writeSeconds),
            ("checkpoint-sync", \.checkpoints.syncSeconds), ("checkpoint-total", \.checkpoints.totalSeconds),
            ("checkpoint-distance", \.checkpoints.distanceKB), ("session-seconds", \.connections.sessionSeconds),
        ]
        for (name, path) in totals { result[keyPath: path] = sum(name) }
        result.lockWaits.longest = Self.longest(result.lockWaits.longest + theirs.lockWaits.longest)
        result.deadlocks.deadlocks = Array((result.deadlocks.deadlocks + theirs.deadlocks.deadlocks).prefix(Self.examplesKept))
        result.temporaryFiles.totalBytes = result.temporaryFiles.totalBytes.addingSaturated(theirs.temporaryFiles.totalBytes)
        result.temporaryFiles.maxBytes = max(result.temporaryFiles.maxBytes, theirs.temporaryFiles.maxBytes)
        report = result

        // The first occurrences are kept: this part's messages come after the ones known.
        for (key, message) in other.errorMessages.sorted(by: { ($0.value.line, $0.key) < ($1.value.line, $1.key) }) {
            if errorMessages[key] != nil {
                errorMessages[key]?.count += message.count
            } else if errorMessages.count < Self.messagesKept {
                errorMessages[key] = message
            } else {
                otherMessages += message.count
            }
        }
        otherMessages += other.otherMessages
        add(&severities, other.severities)
        for (code, counts) in other.states { add(&states[code, default: [:]], counts) }
        add(&lockModes, other.lockModes)
        for (name, object) in other.lockObjects {
            guard var known = lockObjects[name] ?? (lockObjects.count < Self.messagesKept
                ? OperationalReport.LockObject(object: name, count: 0, totalMs: 0, maxMs: 0) : nil) else { continue }
            known.count += object.count
            known.maxMs = max(known.maxMs, object.maxMs)
            known.totalMs = sum("lock-object\u{0}" + name)
            lockObjects[name] = known
        }
        for (fingerprint, statement) in other.temporaryStatements {
            guard var known = temporaryStatements[fingerprint] ?? (temporaryStatements.count < Self.messagesKept
                ? OperationalReport.TemporaryFileStatement(query: statement.query, example: statement.example, count: 0,
                                                           totalBytes: 0, maxBytes: 0) : nil) else { continue }
            known.count += statement.count
            known.totalBytes = known.totalBytes.addingSaturated(statement.totalBytes)
            known.maxBytes = max(known.maxBytes, statement.maxBytes)
            temporaryStatements[fingerprint] = known
        }
        add(&causes, other.causes)
        for (name, table) in other.tables {
            var known = tables[name] ?? OperationalReport.TableMaintenance(table: name)
            known.vacuums += table.vacuums
            known.aggressiveVacuums += table.aggressiveVacuums
            known.wraparoundVacuums += table.wraparoundVacuums
            known.analyzes += table.analyzes
            known.vacuumSeconds = sum("vacuum\u{0}" + name)
            known.analyzeSeconds = sum("analyze\u{0}" + name)
            known.maxVacuumSeconds = max(known.maxVacuumSeconds, table.maxVacuumSeconds)
            known.maxAnalyzeSeconds = max(known.maxAnalyzeSeconds, table.maxAnalyzeSeconds)
            known.tuplesRemoved += table.tuplesRemoved
            known.pagesRemoved += table.pagesRemoved
            tables[name] = known
        }
        for (name, path) in Self.tallyPaths() {
            guard let counts = other.connectionTallies[name] else { continue }
            add(&connectionTallies[path, default: [:]], counts)
        }
        add(&durations, other.durations)
    }
}
