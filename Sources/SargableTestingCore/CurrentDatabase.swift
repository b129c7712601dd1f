import SargablePostgres

// The expectations on `TestDatabase.current`, for tests inside `.postgres(…)` or
// `withTestDatabase`: `try await expectQueries(.atMost(3), .select, on: "orders") { … }`.

@discardableResult
public func expectQueries(_ count: QueryCount, _ kind: StatementKind = .any, on table: String? = nil, options: CaptureOptions? = nil,
                          fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                          _ body: () async throws -> Void) async throws -> Capture {
    try await TestDatabase.require().expectQueries(count, kind, on: table, options: options,
                                                   fileID: fileID, filePath: filePath, line: line, column: column, body)
}

@discardableResult
public func expectNoQueries(options: CaptureOptions? = nil,
                            fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                            _ body: () async throws -> Void) async throws -> Capture {
    try await TestDatabase.require().expectNoQueries(options: options, fileID: fileID, filePath: filePath, line: line, column: column, body)
}

@discardableResult
public func expectNoNPlusOne(threshold: Int = 3, options: CaptureOptions? = nil,
                             fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                             _ body: () async throws -> Void) async throws -> Capture {
    try await TestDatabase.require().expectNoNPlusOne(threshold: threshold, options: options,
                                                      fileID: fileID, filePath: filePath, line: line, column: column, body)
}

@discardableResult
public func expectConstantQueries(scales: [Int] = [2, 5], options: CaptureOptions? = nil,
                                  fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                                  populate: (Int) async throws -> Void, _ body: () async throws -> Void) async throws -> [Capture] {
    try await TestDatabase.require().expectConstantQueries(scales: scales, options: options, fileID: fileID, filePath: filePath,
                                                           line: line, column: column, populate: populate, body)
}

@discardableResult
public func expectPlan(of sql: String, parameters: [String?]? = nil, analyze: Bool = true, genericPlan: Bool = true,
                       fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                       _ body: (PlanCheck) throws -> Void) throws -> CollectedPlan {
    try TestDatabase.require().expectPlan(of: sql, parameters: parameters, analyze: analyze, genericPlan: genericPlan,
                                          fileID: fileID, filePath: filePath, line: line, column: column, body)
}
