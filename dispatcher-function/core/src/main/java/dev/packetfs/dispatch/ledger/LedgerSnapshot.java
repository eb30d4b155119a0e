package dev.packetfs.dispatch.ledger;

import java.util.List;
import java.util.Map;

/**
 * Per-substrate totals (exact, all time) and the most recent execution records (bounded), from
 * which latency percentiles are computed.
 */
public record LedgerSnapshot(Map<String, SubstrateTotals> totals, List<ExecutionRecord> recent) {}
