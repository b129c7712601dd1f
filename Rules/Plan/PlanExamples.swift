// Plans captured with EXPLAIN (ANALYZE, SETTINGS, FORMAT JSON) on the sample domain loaded with
// samples/database/seed.sql (PostgreSQL 15, max_parallel_workers_per_gather = 0). Regenerate them
// the same way when PostgreSQL's plan output changes; PlanRuleExampleTests runs every one.
enum PlanExamples {
    /// SELECT id, total_cents FROM orders WHERE status = 'pending'
    static let seqScanFilterBad = """
        [
          {
            "Plan": {
              "Node Type": "Seq Scan",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 0.0,
              "Total Cost": 4209.59,
              "Plan Rows": 453,
              "Plan Width": 12,
              "Actual Startup Time": 0.061,
              "Actual Total Time": 8.383,
              "Actual Rows": 400,
              "Actual Loops": 1,
              "Filter": "(status = 'pending'::text)",
              "Rows Removed by Filter": 199600
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.275,
            "Execution Time": 8.433
          }
        ]
        """

    /// SELECT id, total_cents FROM orders WHERE status = 'pending' (fixed)
    static let seqScanFilterGood = """
        [
          {
            "Plan": {
              "Node Type": "Index Scan",
              "Scan Direction": "Forward",
              "Index Name": "orders_status_idx",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 0.42,
              "Total Cost": 282.2,
              "Plan Rows": 453,
              "Plan Width": 12,
              "Actual Startup Time": 0.021,
              "Actual Total Time": 0.39,
              "Actual Rows": 400,
              "Actual Loops": 1,
              "Index Cond": "(status = 'pending'::text)",
              "Rows Removed by Index Recheck": 0
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.25,
            "Execution Time": 0.43
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'pending' AND o.id % 500 = 0
    static let rowMisestimateBad = """
        [
          {
            "Plan": {
              "Node Type": "Hash Join",
              "Join Type": "Inner",
              "Startup Cost": 5209.02,
              "Total Cost": 13201.05,
              "Plan Rows": 4,
              "Plan Width": 12,
              "Actual Startup Time": 8.49,
              "Actual Total Time": 43.668,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Hash Cond": "(i.order_id = o.id)",
              "Plans": [
                {
                  "Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "order_items",
                  "Alias": "i",
                  "Startup Cost": 0.0,
                  "Total Cost": 6942.0,
                  "Plan Rows": 400000,
                  "Plan Width": 12,
                  "Actual Startup Time": 0.004,
                  "Actual Total Time": 16.157,
                  "Actual Rows": 400000,
                  "Actual Loops": 1
                },
                {
                  "Node Type": "Hash",
                  "Parent Relationship": "Inner",
                  "Startup Cost": 5209.0,
                  "Total Cost": 5209.0,
                  "Plan Rows": 2,
                  "Plan Width": 8,
                  "Actual Startup Time": 8.379,
                  "Actual Total Time": 8.381,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Hash Buckets": 1024,
                  "Original Hash Buckets": 1024,
                  "Hash Batches": 1,
                  "Original Hash Batches": 1,
                  "Peak Memory Usage": 24,
                  "Plans": [
                    {
                      "Node Type": "Seq Scan",
                      "Parent Relationship": "Outer",
                      "Relation Name": "orders",
                      "Alias": "o",
                      "Startup Cost": 0.0,
                      "Total Cost": 5209.0,
                      "Plan Rows": 2,
                      "Plan Width": 8,
                      "Actual Startup Time": 0.053,
                      "Actual Total Time": 8.327,
                      "Actual Rows": 400,
                      "Actual Loops": 1,
                      "Filter": "((status = 'pending'::text) AND ((id % '500'::bigint) = 0))",
                      "Rows Removed by Filter": 199600
                    }
                  ]
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.513,
            "Execution Time": 43.711
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'pending' AND o.id % 500 = 0 (fixed)
    static let rowMisestimateGood = """
        [
          {
            "Plan": {
              "Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 0.84,
              "Total Cost": 2881.33,
              "Plan Rows": 694,
              "Plan Width": 12,
              "Actual Startup Time": 0.031,
              "Actual Total Time": 3.287,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Index Scan",
                  "Parent Relationship": "Outer",
                  "Scan Direction": "Forward",
                  "Index Name": "orders_status_idx",
                  "Relation Name": "orders",
                  "Alias": "o",
                  "Startup Cost": 0.42,
                  "Total Cost": 219.63,
                  "Plan Rows": 347,
                  "Plan Width": 8,
                  "Actual Startup Time": 0.02,
                  "Actual Total Time": 0.439,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Index Cond": "(status = 'pending'::text)",
                  "Rows Removed by Index Recheck": 0
                },
                {
                  "Node Type": "Index Scan",
                  "Parent Relationship": "Inner",
                  "Scan Direction": "Forward",
                  "Index Name": "order_items_order_id_idx",
                  "Relation Name": "order_items",
                  "Alias": "i",
                  "Startup Cost": 0.42,
                  "Total Cost": 7.65,
                  "Plan Rows": 2,
                  "Plan Width": 12,
                  "Actual Startup Time": 0.007,
                  "Actual Total Time": 0.007,
                  "Actual Rows": 2,
                  "Actual Loops": 400,
                  "Index Cond": "(order_id = o.id)",
                  "Rows Removed by Index Recheck": 0
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.417,
            "Execution Time": 3.333
          }
        ]
        """

    /// SELECT id, total_cents FROM orders ORDER BY total_cents, id LIMIT 50000 -- work_mem = 64kB
    static let sortSpillBad = """
        [
          {
            "Plan": {
              "Node Type": "Limit",
              "Startup Cost": 31577.14,
              "Total Cost": 31702.14,
              "Plan Rows": 50000,
              "Plan Width": 12,
              "Actual Startup Time": 57.3,
              "Actual Total Time": 61.892,
              "Actual Rows": 50000,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Sort",
                  "Parent Relationship": "Outer",
                  "Startup Cost": 31577.14,
                  "Total Cost": 32077.14,
                  "Plan Rows": 200000,
                  "Plan Width": 12,
                  "Actual Startup Time": 57.298,
                  "Actual Total Time": 59.579,
                  "Actual Rows": 50000,
                  "Actual Loops": 1,
                  "Sort Key": [
                    "total_cents",
                    "id"
                  ],
                  "Sort Method": "external merge",
                  "Sort Space Used": 4360,
                  "Sort Space Type": "Disk",
                  "Plans": [
                    {
                      "Node Type": "Seq Scan",
                      "Parent Relationship": "Outer",
                      "Relation Name": "orders",
                      "Alias": "orders",
                      "Startup Cost": 0.0,
                      "Total Cost": 3709.0,
                      "Plan Rows": 200000,
                      "Plan Width": 12,
                      "Actual Startup Time": 0.062,
                      "Actual Total Time": 12.245,
                      "Actual Rows": 200000,
                      "Actual Loops": 1
                    }
                  ]
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0",
              "work_mem": "64kB"
            },
            "Planning Time": 0.277,
            "Execution Time": 63.716
          }
        ]
        """

    /// SELECT id, total_cents FROM orders ORDER BY total_cents, id LIMIT 50000 -- work_mem = 64kB (fixed)
    static let sortSpillGood = """
        [
          {
            "Plan": {
              "Node Type": "Limit",
              "Startup Cost": 20318.64,
              "Total Cost": 20443.64,
              "Plan Rows": 50000,
              "Plan Width": 12,
              "Actual Startup Time": 53.137,
              "Actual Total Time": 58.613,
              "Actual Rows": 50000,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Sort",
                  "Parent Relationship": "Outer",
                  "Startup Cost": 20318.64,
                  "Total Cost": 20818.64,
                  "Plan Rows": 200000,
                  "Plan Width": 12,
                  "Actual Startup Time": 53.135,
                  "Actual Total Time": 56.293,
                  "Actual Rows": 50000,
                  "Actual Loops": 1,
                  "Sort Key": [
                    "total_cents",
                    "id"
                  ],
                  "Sort Method": "top-N heapsort",
                  "Sort Space Used": 7038,
                  "Sort Space Type": "Memory",
                  "Plans": [
                    {
                      "Node Type": "Seq Scan",
                      "Parent Relationship": "Outer",
                      "Relation Name": "orders",
                      "Alias": "orders",
                      "Startup Cost": 0.0,
                      "Total Cost": 3709.0,
                      "Plan Rows": 200000,
                      "Plan Width": 12,
                      "Actual Startup Time": 0.062,
                      "Actual Total Time": 11.989,
                      "Actual Rows": 200000,
                      "Actual Loops": 1
                    }
                  ]
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0",
              "work_mem": "32MB"
            },
            "Planning Time": 0.231,
            "Execution Time": 60.345
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'pending' AND o.id % 500 = 0 -- enable_hashjoin = off, enable_mergejoin = off
    static let nestedLoopBad = """
        [
          {
            "Plan": {
              "Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 0.0,
              "Total Cost": 24150.99,
              "Plan Rows": 4,
              "Plan Width": 12,
              "Actual Startup Time": 31.647,
              "Actual Total Time": 9346.956,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Join Filter": "(o.id = i.order_id)",
              "Rows Removed by Join Filter": 159839600,
              "Plans": [
                {
                  "Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "order_items",
                  "Alias": "i",
                  "Startup Cost": 0.0,
                  "Total Cost": 6942.0,
                  "Plan Rows": 400000,
                  "Plan Width": 12,
                  "Actual Startup Time": 0.003,
                  "Actual Total Time": 19.401,
                  "Actual Rows": 400000,
                  "Actual Loops": 1
                },
                {
                  "Node Type": "Materialize",
                  "Parent Relationship": "Inner",
                  "Startup Cost": 0.0,
                  "Total Cost": 5209.01,
                  "Plan Rows": 2,
                  "Plan Width": 8,
                  "Actual Startup Time": 0.0,
                  "Actual Total Time": 0.011,
                  "Actual Rows": 400,
                  "Actual Loops": 400000,
                  "Plans": [
                    {
                      "Node Type": "Seq Scan",
                      "Parent Relationship": "Outer",
                      "Relation Name": "orders",
                      "Alias": "o",
                      "Startup Cost": 0.0,
                      "Total Cost": 5209.0,
                      "Plan Rows": 2,
                      "Plan Width": 8,
                      "Actual Startup Time": 0.06,
                      "Actual Total Time": 8.414,
                      "Actual Rows": 400,
                      "Actual Loops": 1,
                      "Filter": "((status = 'pending'::text) AND ((id % '500'::bigint) = 0))",
                      "Rows Removed by Filter": 199600
                    }
                  ]
                }
              ]
            },
            "Settings": {
              "enable_hashjoin": "off",
              "enable_mergejoin": "off",
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.449,
            "Execution Time": 9347.013
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'pending' AND o.id % 500 = 0 -- enable_hashjoin = off, enable_mergejoin = off (fixed)
    static let nestedLoopGood = """
        [
          {
            "Plan": {
              "Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 0.42,
              "Total Cost": 5225.95,
              "Plan Rows": 4,
              "Plan Width": 12,
              "Actual Startup Time": 0.082,
              "Actual Total Time": 11.025,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "orders",
                  "Alias": "o",
                  "Startup Cost": 0.0,
                  "Total Cost": 5209.0,
                  "Plan Rows": 2,
                  "Plan Width": 8,
                  "Actual Startup Time": 0.062,
                  "Actual Total Time": 8.352,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Filter": "((status = 'pending'::text) AND ((id % '500'::bigint) = 0))",
                  "Rows Removed by Filter": 199600
                },
                {
                  "Node Type": "Index Scan",
                  "Parent Relationship": "Inner",
                  "Scan Direction": "Forward",
                  "Index Name": "order_items_order_id_idx",
                  "Relation Name": "order_items",
                  "Alias": "i",
                  "Startup Cost": 0.42,
                  "Total Cost": 8.46,
                  "Plan Rows": 2,
                  "Plan Width": 12,
                  "Actual Startup Time": 0.006,
                  "Actual Total Time": 0.006,
                  "Actual Rows": 2,
                  "Actual Loops": 400,
                  "Index Cond": "(order_id = o.id)",
                  "Rows Removed by Index Recheck": 0
                }
              ]
            },
            "Settings": {
              "enable_hashjoin": "off",
              "enable_mergejoin": "off",
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.445,
            "Execution Time": 11.067
          }
        ]
        """

    /// SELECT id FROM orders WHERE id < 5000
    static let heapFetchesBad = """
        [
          {
            "Plan": {
              "Node Type": "Index Only Scan",
              "Scan Direction": "Forward",
              "Index Name": "orders_pkey",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 0.42,
              "Total Cost": 150.53,
              "Plan Rows": 5149,
              "Plan Width": 8,
              "Actual Startup Time": 0.039,
              "Actual Total Time": 1.858,
              "Actual Rows": 4999,
              "Actual Loops": 1,
              "Index Cond": "(id < 5000)",
              "Rows Removed by Index Recheck": 0,
              "Heap Fetches": 9959
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.191,
            "Execution Time": 2.004
          }
        ]
        """

    /// SELECT id FROM orders WHERE id < 5000 (fixed)
    static let heapFetchesGood = """
        [
          {
            "Plan": {
              "Node Type": "Index Only Scan",
              "Scan Direction": "Forward",
              "Index Name": "orders_pkey",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 0.42,
              "Total Cost": 148.36,
              "Plan Rows": 5025,
              "Plan Width": 8,
              "Actual Startup Time": 0.026,
              "Actual Total Time": 0.388,
              "Actual Rows": 4999,
              "Actual Loops": 1,
              "Index Cond": "(id < 5000)",
              "Rows Removed by Index Recheck": 0,
              "Heap Fetches": 0
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.2,
            "Execution Time": 0.528
          }
        ]
        """

    /// SELECT status, count(*) FROM orders WHERE created_at > '2025-06-01' GROUP BY status
    static let hotspotBad = """
        [
          {
            "Plan": {
              "Node Type": "Aggregate",
              "Strategy": "Hashed",
              "Partial Mode": "Simple",
              "Startup Cost": 4397.12,
              "Total Cost": 4397.15,
              "Plan Rows": 3,
              "Plan Width": 17,
              "Actual Startup Time": 12.822,
              "Actual Total Time": 12.823,
              "Actual Rows": 3,
              "Actual Loops": 1,
              "Group Key": [
                "status"
              ],
              "Planned Partitions": 0,
              "HashAgg Batches": 1,
              "Peak Memory Usage": 24,
              "Disk Usage": 0,
              "Plans": [
                {
                  "Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "orders",
                  "Alias": "orders",
                  "Startup Cost": 0.0,
                  "Total Cost": 4148.66,
                  "Plan Rows": 49692,
                  "Plan Width": 9,
                  "Actual Startup Time": 6.072,
                  "Actual Total Time": 9.249,
                  "Actual Rows": 51104,
                  "Actual Loops": 1,
                  "Filter": "(created_at > '2025-06-01 00:00:00+00'::timestamp with time zone)",
                  "Rows Removed by Filter": 148896
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.216,
            "Execution Time": 12.905
          }
        ]
        """
}
