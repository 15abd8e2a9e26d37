package io.tessera.cli.chaos;

import io.tessera.cli.chaos.bank.Transfer;
import io.tessera.cli.chaos.bank.TransferHistory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Kills transfer clients ({@link TransferClients}) with {@code kill -9} while they are in the middle
 * of a transfer, and starts a new client in each one's place. It keeps a number of clients running;
 * each round it picks one at random that has finished a transfer already (its JVM is warm and
 * connected), then aims the kill by following the client's history file every millisecond:
 * <ul>
 *   <li>{@link Moment#IN_STATEMENTS}: at a random point of a transfer's statements (a random
 *       fraction of the time the client's previous transfer took from its first statement to
 *       {@code commit()}), while they read and place locks: the client never called {@code
 *       commit()}, so the transfer must not commit, and its locks must be rolled back by whoever
 *       meets them;</li>
 *   <li>{@link Moment#IN_COMMIT}: at a random point of {@code commit()} (a random fraction of the
 *       time the client's previous commit took, from the moment it records that it calls it): the
 *       outcome is then unknown, before or after the commit point.</li>
 * </ul>
 * The two alternate. What a kill actually hit is read from the history after the process is gone,
 * not assumed: a transfer begun without an outcome is a kill in flight.
 */
public final class ClientNemesis {
    private static final Duration WARM_UP = Duration.ofSeconds(60);
    private static final Duration AIM = Duration.ofSeconds(10);

    /** When a kill is aimed. */
    public enum Moment { IN_STATEMENTS, IN_COMMIT }

    /**
     * One kill as it happened.
     *
     * @param inFlight     the transfer the client was in when it died, as the checker judges it, or null
     * @param diedInCommit whether it died after calling {@code commit()} (outcome unknown)
     */
    public record Kill(double atSeconds, String client, Moment aimedAt, Transfer inFlight,
                       boolean diedInCommit) {}

    private final TransferClients clients;
    private final int running;
    private final Random random;
    private final Consumer<String> progress;
    private final long t0 = System.nanoTime();
    private final List<TransferClients.Client> live = new ArrayList<>();
    private final List<Kill> kills = Collections.synchronizedList(new ArrayList<>());
    private final List<String> crashes = Collections.synchronizedList(new ArrayList<>());
    private long lastKillNanos;

    /** @param running how many clients run at once */
    public ClientNemesis(TransferClients clients, int running, long seed, Consumer<String> progress) {
        this.clients = clients;
        this.running = running;
        this.random = new Random(seed);
        this.progress = progress;
    }

    /** Starts the clients (not yet running ones). */
    public void start() throws IOException {
        while (live.size() < running) {
            live.add(clients.start(List.of()));
        }
    }

    /**
     * Kills and replaces clients until {@code duration} has passed, counted from the moment the
     * first client has finished a transfer (a cold client process takes seconds to get there).
     */
    public void run(Duration duration) throws IOException, InterruptedException {
        if (warmClient() == null) {
            record("no client finished a transfer within " + WARM_UP.toSeconds() + " s; see " + live);
            return;
        }
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            TransferClients.Client victim = warmClient();
            if (victim == null) {
                record("no client finished a transfer within " + WARM_UP.toSeconds() + " s; see " + live);
                return;
            }
            Moment moment = kills.size() % 2 == 0 ? Moment.IN_COMMIT : Moment.IN_STATEMENTS;
            kill(victim, moment);
            live.set(live.indexOf(victim), clients.start(List.of()));
            Thread.sleep(200 + random.nextInt(800));
        }
    }

    /** Kills every running client the same way (each in flight, the moments alternating); none is replaced. */
    public void killAll() throws IOException, InterruptedException {
        for (TransferClients.Client c : List.copyOf(live)) {
            if (!c.process().alive()) {
                crashes.add(String.format("t+%.1fs %s", seconds(), c.process().describeExit()));
                record(c.process().describeExit());
            } else if (awaitWarm(c)) {
                kill(c, kills.size() % 2 == 0 ? Moment.IN_COMMIT : Moment.IN_STATEMENTS);
            } else {
                c.process().kill();
                record("killed " + c.name() + " (no transfer finished within " + WARM_UP.toSeconds() + " s)");
            }
        }
        live.clear();
    }

    private void kill(TransferClients.Client victim, Moment moment) throws IOException, InterruptedException {
        aim(victim, moment);
        long pid = victim.process().pid();
        if (!victim.process().alive()) {
            crashes.add(String.format("t+%.1fs %s", seconds(), victim.process().describeExit()));
            record(victim.process().describeExit() + " before the kill");
            return;
        }
        victim.process().kill();
        lastKillNanos = System.nanoTime();
        TransferHistory h = TransferHistory.read(victim.history());
        Transfer inFlight = h.inFlight().isEmpty() ? null : h.inFlight().get(0);
        boolean inCommit = !h.diedInCommit().isEmpty();
        kills.add(new Kill(seconds(), victim.name(), moment, inFlight, inCommit));
        record("kill -9 " + victim.name() + " pid " + pid + " aimed " + moment + ": " + (inFlight == null
                ? "no transfer in flight" : "transfer " + inFlight.id() + " in flight, "
                + (inCommit ? "inside commit() (outcome unknown)" : "before commit()")));
    }

    /** Waits for the moment to kill {@code c}; gives up after {@link #AIM} (then the kill lands anywhere). */
    private void aim(TransferClients.Client c, Moment moment) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + AIM.toNanos();
        TransferHistory.Event want = moment == Moment.IN_COMMIT ? TransferHistory.Event.COMMITTING
                : TransferHistory.Event.BEGIN;
        while (System.nanoTime() < deadline && c.process().alive()) {
            if (c.tail().poll() == want) {
                long typical = moment == Moment.IN_STATEMENTS ? c.tail().statementsMillis() : c.tail().commitMillis();
                Thread.sleep(random.nextLong(1 + Math.max(0, typical)));
                return;
            }
            Thread.sleep(1);
        }
    }

    /** A random running client that has finished a transfer; replaces clients that died by themselves. */
    private TransferClients.Client warmClient() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WARM_UP.toNanos();
        while (System.nanoTime() < deadline) {
            List<TransferClients.Client> warm = new ArrayList<>();
            for (int i = 0; i < live.size(); i++) {
                TransferClients.Client c = live.get(i);
                if (!c.process().alive()) {
                    // Clients only die when killed: anything else is a finding (and needs a replacement).
                    crashes.add(String.format("t+%.1fs %s", seconds(), c.process().describeExit()));
                    record(c.process().describeExit() + "; starting a new client");
                    live.set(i, clients.start(List.of()));
                    continue;
                }
                c.tail().poll();
                if (c.tail().ended() > 0) {
                    warm.add(c);
                }
            }
            if (!warm.isEmpty()) {
                return warm.get(random.nextInt(warm.size()));
            }
            Thread.sleep(20);
        }
        return null;
    }

    private boolean awaitWarm(TransferClients.Client c) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WARM_UP.toNanos();
        while (System.nanoTime() < deadline && c.process().alive()) {
            c.tail().poll();
            if (c.tail().ended() > 0) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    public List<Kill> kills() {
        synchronized (kills) {
            return List.copyOf(kills);
        }
    }

    /** Clients that exited without being killed. */
    public List<String> crashes() {
        synchronized (crashes) {
            return List.copyOf(crashes);
        }
    }

    /** System.nanoTime() of the last kill (0: none): the locks it left expire a TTL later. */
    public long lastKillNanos() {
        return lastKillNanos;
    }

    /** "kills 12: in flight 11 (before commit() 6, inside commit() 5)". */
    public String summary() {
        List<Kill> k = kills();
        long inFlight = k.stream().filter(x -> x.inFlight() != null).count();
        long inCommit = k.stream().filter(Kill::diedInCommit).count();
        return "client kills " + k.size() + ": in flight " + inFlight + " (before commit() " + (inFlight - inCommit)
                + ", inside commit() " + inCommit + ")";
    }

    private double seconds() {
        return (System.nanoTime() - t0) / 1e9;
    }

    private void record(String what) {
        progress.accept(String.format("t+%6.1fs  %s", seconds(), what));
    }
}
