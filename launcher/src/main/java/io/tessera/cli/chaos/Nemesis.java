package io.tessera.cli.chaos;

import io.tessera.protocol.proto.ShardState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The fault loop: one fault at a time, each undone before the next, cycling through (the first
 * kind twice per cycle)
 * <ol>
 *   <li>{@code kill -9} of the primary of a random shard, restart after 1–5 s (same id, same data);</li>
 *   <li>{@code kill -STOP} of a node (a primary when there is one) for 0.5–8 s, then {@code kill -CONT}:
 *       beyond the node's ZooKeeper session timeout (4 s) it is deposed while it sleeps and wakes up
 *       believing it is still primary;</li>
 *   <li>{@code kill -9} of the leading coordinator, restart after 1–4 s (with two coordinators the other
 *       takes over meanwhile);</li>
 *   <li>{@code kill -STOP} of ZooKeeper for 1–10 s, then {@code kill -CONT}: both sides of the nodes'
 *       session timeout (4 s) and of the timestamp oracle's lease (7.5 s).</li>
 * </ol>
 * Before each fault it waits (up to {@code healTimeout}) for every process to run, every node to be
 * live and every shard's sync set to be full; a cluster that does not heal in time is noted and
 * the loop goes on.
 */
public final class Nemesis {
    /** One fault as it happened. */
    public record Event(double atSeconds, String what) {}

    private final FaultCluster cluster;
    private final long tableId;
    private final Random random;
    private final Duration healTimeout;
    private final Consumer<String> progress;
    private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    private final long t0 = System.nanoTime();
    private final List<String> crashes = Collections.synchronizedList(new ArrayList<>());
    private int step;
    private int unhealed;

    public Nemesis(FaultCluster cluster, long tableId, long seed, Duration healTimeout, Consumer<String> progress) {
        this.cluster = cluster;
        this.tableId = tableId;
        this.random = new Random(seed);
        this.healTimeout = healTimeout;
        this.progress = progress;
    }

    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Processes that exited without being killed (each was restarted). */
    public List<String> crashes() {
        synchronized (crashes) {
            return List.copyOf(crashes);
        }
    }

    /** Times the cluster was not healed within the heal timeout before a fault. */
    public int unhealed() {
        return unhealed;
    }

    /** Runs faults until {@code duration} has passed (the fault in progress is finished). */
    public void run(Duration duration) throws IOException, InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            awaitHealed();
            if (System.nanoTime() >= end) {
                break;
            }
            switch (step++ % 5) {
                case 0, 4 -> killPrimary();
                case 1 -> pauseNode();
                case 2 -> killLeaderCoordinator();
                default -> pauseZooKeeper();
            }
            Thread.sleep(500 + random.nextInt(1500));
        }
    }

    private void killPrimary() throws IOException, InterruptedException {
        List<ShardState> shards = shards();
        Member victim;
        String why;
        if (shards.isEmpty()) {
            victim = randomNode();
            why = "no shard state readable";
        } else {
            ShardState s = shards.get(random.nextInt(shards.size()));
            Optional<Member> primary = cluster.nodes().stream().filter(m -> m.name().equals(s.getPrimary())).findFirst();
            victim = primary.orElseGet(this::randomNode);
            why = primary.isPresent() ? "primary of shards " + ClusterView.primaryOf(shards, victim.name())
                    : "shard " + s.getShardId() + " names primary '" + s.getPrimary() + "'";
        }
        record("kill -9 " + victim.name() + " pid " + victim.pid() + " (" + why + ")");
        victim.kill();
        Thread.sleep(1000 + random.nextInt(4000));
        victim.start();
        record("restarted " + victim.name() + " pid " + victim.pid());
        if (!cluster.awaitLive(victim.name(), healTimeout)) {
            record(victim.name() + " not live " + healTimeout.toSeconds() + " s after its restart: "
                    + victim.describeExit());
        }
    }

    private void pauseNode() throws IOException, InterruptedException {
        List<ShardState> shards = shards();
        List<Member> primaries = new ArrayList<>();
        for (Member m : cluster.nodes()) {
            if (!ClusterView.primaryOf(shards, m.name()).isEmpty()) {
                primaries.add(m);
            }
        }
        Member victim = primaries.isEmpty() ? randomNode() : primaries.get(random.nextInt(primaries.size()));
        long pauseMs = 500 + random.nextInt(7500); // both sides of the 4 s session timeout
        record("kill -STOP " + victim.name() + " pid " + victim.pid() + " for " + pauseMs + " ms (primary of shards "
                + ClusterView.primaryOf(shards, victim.name()) + ")");
        victim.pause();
        try {
            Thread.sleep(pauseMs);
        } finally {
            victim.resume();
        }
        record("kill -CONT " + victim.name());
    }

    private void pauseZooKeeper() throws IOException, InterruptedException {
        Optional<Member> zk = cluster.members().stream().filter(m -> m.role() == Member.Role.ZOOKEEPER).findFirst();
        if (zk.isEmpty()) {
            return;
        }
        long pauseMs = 1000 + random.nextInt(9000);
        record("kill -STOP ZooKeeper pid " + zk.get().pid() + " for " + pauseMs + " ms");
        zk.get().pause();
        try {
            Thread.sleep(pauseMs);
        } finally {
            zk.get().resume();
        }
        record("kill -CONT ZooKeeper");
    }

    private void killLeaderCoordinator() throws IOException, InterruptedException {
        Optional<String> leader;
        try {
            leader = cluster.view().leaderCoordinator();
        } catch (Exception e) {
            leader = Optional.empty();
        }
        Optional<Member> victim = leader.flatMap(cluster::coordinator);
        if (victim.isEmpty()) {
            record("no leading coordinator to kill (leader " + leader.orElse("none") + ")");
            return;
        }
        Member c = victim.get();
        record("kill -9 leading coordinator " + c.name() + " pid " + c.pid());
        c.kill();
        Thread.sleep(1000 + random.nextInt(3000));
        c.start();
        record("restarted " + c.name() + " pid " + c.pid());
    }

    private void awaitHealed() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + healTimeout.toNanos();
        String why = null;
        while (System.nanoTime() < deadline) {
            why = healthProblem();
            if (why == null) {
                return;
            }
            Thread.sleep(200);
        }
        unhealed++;
        record("not healed after " + healTimeout.toSeconds() + " s: " + why);
    }

    /** Why the cluster is not whole, or null. */
    private String healthProblem() throws IOException {
        for (Member m : cluster.members()) {
            if (!m.alive()) {
                // A member that died by itself is restarted: that is a finding worth a line.
                crashes.add(String.format("t+%.1fs %s", (System.nanoTime() - t0) / 1e9, m.describeExit()));
                record(m.describeExit() + "; restarting it");
                m.start();
                return m.name() + " had exited";
            }
        }
        try {
            ClusterView v = cluster.view();
            if (v.leaderCoordinator().isEmpty()) {
                return "no leading coordinator";
            }
            if (v.liveNodes().size() < cluster.nodes().size()) {
                return "live nodes " + v.liveNodes().keySet();
            }
            for (ShardState s : v.shards(tableId)) {
                if (s.getSyncSetCount() < s.getReplicasCount()) {
                    return "shard " + s.getShardId() + " sync set " + s.getSyncSetList() + " of replicas "
                            + s.getReplicasList();
                }
            }
            return null;
        } catch (Exception e) {
            return "ZooKeeper: " + e;
        }
    }

    private List<ShardState> shards() {
        try {
            return cluster.view().shards(tableId);
        } catch (Exception e) {
            return List.of();
        }
    }

    private Member randomNode() {
        List<Member> nodes = cluster.nodes();
        return nodes.get(random.nextInt(nodes.size()));
    }

    private void record(String what) {
        double at = (System.nanoTime() - t0) / 1e9;
        events.add(new Event(at, what));
        progress.accept(String.format("t+%6.1fs  %s", at, what));
    }
}
