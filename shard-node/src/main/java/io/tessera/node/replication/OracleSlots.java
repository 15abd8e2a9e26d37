package io.tessera.node.replication;

import io.tessera.node.ShardException;
import io.tessera.node.storage.Replica;
import io.tessera.node.storage.SlotRefill;
import io.tessera.protocol.proto.Error;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A primary's new timestamp slots, from the coordinator's oracle: fresh oracle timestamps are above
 * every value any primary has used, so raising max_read_ts to the first starts a range (their
 * slots) that one-phase writes may fill without asking again (docs/transactions.md "One-phase
 * writes"). Fetched in the background once half the range is used, so writes rarely wait; a write
 * that finds it used up waits for the fetch, and gets NOT_SERVING (the frontend retries) when the
 * oracle cannot be reached.
 */
final class OracleSlots implements SlotRefill {
    private static final Logger log = LoggerFactory.getLogger(OracleSlots.class);

    private final Replica replica;
    private final LeaderCoordinator coordinator;
    private final long waitMillis;
    private final String context;
    private final AtomicBoolean unavailable = new AtomicBoolean(); // logged once per outage
    private final AtomicBoolean refilling = new AtomicBoolean(); // a refillSoon is on its way

    /** @param waitMillis how long a write waits for a fresh timestamp before NOT_SERVING */
    OracleSlots(Replica replica, LeaderCoordinator coordinator, long waitMillis, String context) {
        this.replica = replica;
        this.coordinator = coordinator;
        this.waitMillis = waitMillis;
        this.context = context;
    }

    @Override
    public void refillSoon() {
        if (!refilling.compareAndSet(false, true)) {
            return; // every write past the half of the slot asks: one fetch answers them all
        }
        coordinator.freshTimestamps().whenComplete((range, e) -> {
            try {
                if (e == null) {
                    adopt(range);
                } else {
                    log.debug("{}: no fresh oracle timestamp ahead of time: {}", context, e.toString());
                }
            } finally {
                refilling.set(false); // after adopting: writes meanwhile need not ask again
            }
        });
    }

    @Override
    public void refillNow() {
        try {
            adopt(coordinator.freshTimestamps().get(waitMillis, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (unavailable.compareAndSet(false, true)) {
                log.warn("{}: the timestamp slot of one-phase writes is used up and the oracle does not answer ({});"
                        + " they get NOT_SERVING until it does", context, cause.toString());
            }
            throw new ShardException(Error.Code.NOT_SERVING, null, context + ": one-phase writes need a fresh timestamp"
                    + " from the oracle, which is unavailable (" + cause + "); retry", replica.state());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(Error.Code.NOT_SERVING, null, "interrupted", replica.state());
        }
    }

    private void adopt(LeaderCoordinator.OracleRange range) {
        replica.adoptTimestamps(range.from(), range.end());
        if (unavailable.compareAndSet(true, false)) {
            log.info("{}: the oracle answers again; one-phase writes commit above oracle timestamp {}", context,
                    range.from());
        } else {
            log.debug("{}: one-phase writes take new timestamp slots at {}", context, range.from());
        }
    }
}
