// Plans captured with EXPLAIN (ANALYZE, SETTINGS, FORMAT JSON) on the sample domain (samples/migrations/*.sql,
// then samples/database/seed.sql) on PostgreSQL 15 with max_parallel_workers_per_gather = 0. Regenerate
// them the same way when PostgreSQL's plan output changes; PlanRuleExampleTests runs every one.
enum PlanExamples {
    /// SELECT id, total_cents FROM orders WHERE status = 'open'
    static let seqScanFilterBad = """
        [
          {
            "Plan": {
              ↓"Node Type": "Seq Scan",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 0.0,
              "Total Cost": 4167.0,
              "Plan Rows": 380,
              "Plan Width": 12,
              "Actual Startup Time": 0.06,
              "Actual Total Time": 10.953,
              "Actual Rows": 400,
              "Actual Loops": 1,
              "Filter": "(status = 'open'::text)",
              "Rows Removed by Filter": 199600
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.224,
            "Execution Time": 11.001
          }
        ]
        """

    /// SELECT id, total_cents FROM orders WHERE status = 'open' (fixed)
    static let seqScanFilterGood = """
        [
          {
            "Plan": {
              "Node Type": "Bitmap Heap Scan",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 7.24,
              "Total Cost": 915.27,
              "Plan Rows": 380,
              "Plan Width": 12,
              "Actual Startup Time": 0.054,
              "Actual Total Time": 0.452,
              "Actual Rows": 400,
              "Actual Loops": 1,
              "Recheck Cond": "(status = 'open'::text)",
              "Rows Removed by Index Recheck": 0,
              "Exact Heap Blocks": 400,
              "Lossy Heap Blocks": 0,
              "Plans": [
                {
                  "Node Type": "Bitmap Index Scan",
                  "Parent Relationship": "Outer",
                  "Index Name": "orders_status_idx",
                  "Startup Cost": 0.0,
                  "Total Cost": 7.14,
                  "Plan Rows": 380,
                  "Plan Width": 0,
                  "Actual Startup Time": 0.022,
                  "Actual Total Time": 0.022,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Index Cond": "(status = 'open'::text)"
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.275,
            "Execution Time": 0.501
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'open' AND o.id % 500 = 0
    static let rowMisestimateBad = """
        [
          {
            "Plan": {
              "Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 0.42,
              "Total Cost": 5183.95,
              "Plan Rows": 4,
              "Plan Width": 12,
              "Actual Startup Time": 0.042,
              "Actual Total Time": 14.474,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Plans": [
                {
                  ↓"Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "orders",
                  "Alias": "o",
                  "Startup Cost": 0.0,
                  "Total Cost": 5167.0,
                  "Plan Rows": 2,
                  "Plan Width": 8,
                  "Actual Startup Time": 0.026,
                  "Actual Total Time": 9.68,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Filter": "((status = 'open'::text) AND ((id % '500'::bigint) = 0))",
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
                  "Actual Startup Time": 0.012,
                  "Actual Total Time": 0.012,
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
            "Planning Time": 0.654,
            "Execution Time": 14.524
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'open' AND o.id % 500 = 0 (fixed)
    static let rowMisestimateGood = """
        [
          {
            "Plan": {
              "Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 7.14,
              "Total Cost": 3226.84,
              "Plan Rows": 626,
              "Plan Width": 12,
              "Actual Startup Time": 0.072,
              "Actual Total Time": 4.296,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Bitmap Heap Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "orders",
                  "Alias": "o",
                  "Startup Cost": 6.72,
                  "Total Cost": 801.38,
                  "Plan Rows": 313,
                  "Plan Width": 8,
                  "Actual Startup Time": 0.055,
                  "Actual Total Time": 0.546,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Recheck Cond": "(status = 'open'::text)",
                  "Rows Removed by Index Recheck": 0,
                  "Exact Heap Blocks": 400,
                  "Lossy Heap Blocks": 0,
                  "Plans": [
                    {
                      "Node Type": "Bitmap Index Scan",
                      "Parent Relationship": "Outer",
                      "Index Name": "orders_status_idx",
                      "Startup Cost": 0.0,
                      "Total Cost": 6.64,
                      "Plan Rows": 313,
                      "Plan Width": 0,
                      "Actual Startup Time": 0.026,
                      "Actual Total Time": 0.026,
                      "Actual Rows": 400,
                      "Actual Loops": 1,
                      "Index Cond": "(status = 'open'::text)"
                    }
                  ]
                },
                {
                  "Node Type": "Index Scan",
                  "Parent Relationship": "Inner",
                  "Scan Direction": "Forward",
                  "Index Name": "order_items_order_id_idx",
                  "Relation Name": "order_items",
                  "Alias": "i",
                  "Startup Cost": 0.42,
                  "Total Cost": 7.73,
                  "Plan Rows": 2,
                  "Plan Width": 12,
                  "Actual Startup Time": 0.009,
                  "Actual Total Time": 0.009,
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
            "Planning Time": 0.419,
            "Execution Time": 4.353
          }
        ]
        """

    /// SELECT id, total_cents FROM orders ORDER BY total_cents, id LIMIT 50000 -- work_mem = 64kB
    static let sortSpillBad = """
        [
          {
            "Plan": {
              "Node Type": "Limit",
              "Startup Cost": 31535.14,
              "Total Cost": 31660.14,
              "Plan Rows": 50000,
              "Plan Width": 12,
              "Actual Startup Time": 58.524,
              "Actual Total Time": 63.119,
              "Actual Rows": 50000,
              "Actual Loops": 1,
              "Plans": [
                {
                  ↓"Node Type": "Sort",
                  "Parent Relationship": "Outer",
                  "Startup Cost": 31535.14,
                  "Total Cost": 32035.14,
                  "Plan Rows": 200000,
                  "Plan Width": 12,
                  "Actual Startup Time": 58.521,
                  "Actual Total Time": 60.84,
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
                      "Total Cost": 3667.0,
                      "Plan Rows": 200000,
                      "Plan Width": 12,
                      "Actual Startup Time": 0.024,
                      "Actual Total Time": 13.447,
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
            "Planning Time": 0.294,
            "Execution Time": 64.89
          }
        ]
        """

    /// SELECT id, total_cents FROM orders ORDER BY total_cents, id LIMIT 50000 -- work_mem = 64kB (fixed)
    static let sortSpillGood = """
        [
          {
            "Plan": {
              "Node Type": "Limit",
              "Startup Cost": 20276.64,
              "Total Cost": 20401.64,
              "Plan Rows": 50000,
              "Plan Width": 12,
              "Actual Startup Time": 54.113,
              "Actual Total Time": 59.525,
              "Actual Rows": 50000,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Sort",
                  "Parent Relationship": "Outer",
                  "Startup Cost": 20276.64,
                  "Total Cost": 20776.64,
                  "Plan Rows": 200000,
                  "Plan Width": 12,
                  "Actual Startup Time": 54.111,
                  "Actual Total Time": 57.226,
                  "Actual Rows": 50000,
                  "Actual Loops": 1,
                  "Sort Key": [
                    "total_cents",
                    "id"
                  ],
                  "Sort Method": "top-N heapsort",
                  "Sort Space Used": 7037,
                  "Sort Space Type": "Memory",
                  "Plans": [
                    {
                      "Node Type": "Seq Scan",
                      "Parent Relationship": "Outer",
                      "Relation Name": "orders",
                      "Alias": "orders",
                      "Startup Cost": 0.0,
                      "Total Cost": 3667.0,
                      "Plan Rows": 200000,
                      "Plan Width": 12,
                      "Actual Startup Time": 0.021,
                      "Actual Total Time": 13.423,
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
            "Planning Time": 0.277,
            "Execution Time": 61.292
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'open' AND o.id % 500 = 0 -- enable_hashjoin = off, enable_mergejoin = off; bad: without order_items_order_id_idx
    static let nestedLoopBad = """
        [
          {
            "Plan": {
              ↓"Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 0.0,
              "Total Cost": 24108.99,
              "Plan Rows": 4,
              "Plan Width": 12,
              "Actual Startup Time": 32.714,
              "Actual Total Time": 9423.01,
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
                  "Actual Startup Time": 0.008,
                  "Actual Total Time": 36.617,
                  "Actual Rows": 400000,
                  "Actual Loops": 1
                },
                {
                  "Node Type": "Materialize",
                  "Parent Relationship": "Inner",
                  "Startup Cost": 0.0,
                  "Total Cost": 5167.01,
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
                      "Total Cost": 5167.0,
                      "Plan Rows": 2,
                      "Plan Width": 8,
                      "Actual Startup Time": 0.045,
                      "Actual Total Time": 9.566,
                      "Actual Rows": 400,
                      "Actual Loops": 1,
                      "Filter": "((status = 'open'::text) AND ((id % '500'::bigint) = 0))",
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
            "Planning Time": 0.479,
            "Execution Time": 9423.143
          }
        ]
        """

    /// SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'open' AND o.id % 500 = 0 -- enable_hashjoin = off, enable_mergejoin = off; bad: without order_items_order_id_idx (fixed)
    static let nestedLoopGood = """
        [
          {
            "Plan": {
              "Node Type": "Nested Loop",
              "Join Type": "Inner",
              "Startup Cost": 0.42,
              "Total Cost": 5183.95,
              "Plan Rows": 4,
              "Plan Width": 12,
              "Actual Startup Time": 0.075,
              "Actual Total Time": 13.317,
              "Actual Rows": 800,
              "Actual Loops": 1,
              "Plans": [
                {
                  "Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "orders",
                  "Alias": "o",
                  "Startup Cost": 0.0,
                  "Total Cost": 5167.0,
                  "Plan Rows": 2,
                  "Plan Width": 8,
                  "Actual Startup Time": 0.043,
                  "Actual Total Time": 9.586,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Filter": "((status = 'open'::text) AND ((id % '500'::bigint) = 0))",
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
                  "Actual Startup Time": 0.009,
                  "Actual Total Time": 0.009,
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
            "Planning Time": 0.47,
            "Execution Time": 13.363
          }
        ]
        """

    /// SELECT id FROM orders WHERE id < 5000
    static let heapFetchesBad = """
        [
          {
            "Plan": {
              ↓"Node Type": "Index Only Scan",
              "Scan Direction": "Forward",
              "Index Name": "orders_pkey",
              "Relation Name": "orders",
              "Alias": "orders",
              "Startup Cost": 0.42,
              "Total Cost": 199.4,
              "Plan Rows": 5256,
              "Plan Width": 8,
              "Actual Startup Time": 0.079,
              "Actual Total Time": 2.301,
              "Actual Rows": 4999,
              "Actual Loops": 1,
              "Index Cond": "(id < 5000)",
              "Rows Removed by Index Recheck": 0,
              "Heap Fetches": 9998
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.262,
            "Execution Time": 2.457
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
              "Total Cost": 150.12,
              "Plan Rows": 5126,
              "Plan Width": 8,
              "Actual Startup Time": 0.042,
              "Actual Total Time": 0.35,
              "Actual Rows": 4999,
              "Actual Loops": 1,
              "Index Cond": "(id < 5000)",
              "Rows Removed by Index Recheck": 0,
              "Heap Fetches": 0
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.256,
            "Execution Time": 0.497
          }
        ]
        """

    /// SELECT count(*) FROM orders WHERE status = 'open'
    static let hotspotBad = """
        [
          {
            "Plan": {
              "Node Type": "Aggregate",
              "Strategy": "Plain",
              "Partial Mode": "Simple",
              "Startup Cost": 4209.95,
              "Total Cost": 4209.96,
              "Plan Rows": 1,
              "Plan Width": 8,
              "Actual Startup Time": 9.801,
              "Actual Total Time": 9.802,
              "Actual Rows": 1,
              "Actual Loops": 1,
              "Plans": [
                {
                  ↓"Node Type": "Seq Scan",
                  "Parent Relationship": "Outer",
                  "Relation Name": "orders",
                  "Alias": "orders",
                  "Startup Cost": 0.0,
                  "Total Cost": 4209.0,
                  "Plan Rows": 380,
                  "Plan Width": 0,
                  "Actual Startup Time": 0.074,
                  "Actual Total Time": 9.769,
                  "Actual Rows": 400,
                  "Actual Loops": 1,
                  "Filter": "(status = 'open'::text)",
                  "Rows Removed by Filter": 199600
                }
              ]
            },
            "Settings": {
              "max_parallel_workers_per_gather": "0"
            },
            "Planning Time": 0.215,
            "Execution Time": 9.858
          }
        ]
        """
}
