package dev.packetfs.dispatch.select;

import java.util.List;

/**
 * The substrates a job may run on, best first; or why there are none.
 *
 * @param unsatisfiable set when no configured substrate meets the job's hard constraints: the
 *     job can never run and fails
 * @param unavailable set when some substrates would do but none takes work now (down, breaker
 *     open): the job waits. Substrates that are merely full are ranked; acquiring a slot tells.
 */
public record Selection(List<SubstrateState> ranked, String unsatisfiable, String unavailable) {

    static Selection of(List<SubstrateState> ranked) {
        return new Selection(List.copyOf(ranked), null, null);
    }

    static Selection unsatisfiable(String why) {
        return new Selection(List.of(), why, null);
    }

    static Selection unavailable(String why) {
        return new Selection(List.of(), null, why);
    }
}
