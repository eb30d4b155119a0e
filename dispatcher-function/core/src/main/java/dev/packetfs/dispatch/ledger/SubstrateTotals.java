package dev.packetfs.dispatch.ledger;

/** Everything a substrate has done since the totals were started. Costs in 10^-12 USD. */
public record SubstrateTotals(
        String substrate,
        long executions,
        long successes,
        long failures,
        long throttled,
        long bytes,
        long costPicoUsd) {

    public static SubstrateTotals empty(String substrate) {
        return new SubstrateTotals(substrate, 0, 0, 0, 0, 0, 0);
    }

    public SubstrateTotals plus(ExecutionRecord r) {
        return new SubstrateTotals(
                substrate,
                executions + 1,
                successes + (r.ok() ? 1 : 0),
                failures + (!r.ok() && !r.throttled() ? 1 : 0),
                throttled + (r.throttled() ? 1 : 0),
                bytes + r.bytes(),
                costPicoUsd + r.costPicoUsd());
    }
}
