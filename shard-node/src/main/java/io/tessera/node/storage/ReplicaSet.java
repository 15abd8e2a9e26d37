package io.tessera.node.storage;

import io.tessera.node.ShardException;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of one node: one {@code shard-<id>.mv.db} file each in the data directory (or in-memory
 * stores when there is none). Opens what it finds on start; in {@link Durability#MEMORY} syncs the
 * files in the background.
 */
public final class ReplicaSet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSet.class);
    private static final Pattern FILE = Pattern.compile("shard-(\\d+)\\.mv\\.db");
    private static final long BACKGROUND_SYNC_MILLIS = 1000;

    private final Path dataDir;
    private final Durability durability;
    private final Map<Long, Replica> replicas = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private ScheduledExecutorService syncer;
    private final BackgroundCollector collector = new BackgroundCollector();
    private volatile BiConsumer<Replica, ShardState> stateListener;
    private volatile long stallMillis = 5_000;

    public ReplicaSet(Path dataDir, Durability durability) {
        this.dataDir = dataDir;
        this.durability = durability;
    }

    /**
     * Called with each replica and its previous state whenever a replica changes state, and with a
     * null previous state when a replica is created (the replication layer reacts to role changes).
     */
    public void setStateListener(BiConsumer<Replica, ShardState> listener) {
        this.stateListener = listener;
        for (Replica r : replicas.values()) {
            r.setStateListener(listener);
        }
    }

    /** How long writes wait for acknowledgements and reads for pending entries. */
    public void setStallTimeout(long millis) {
        this.stallMillis = millis;
        for (Replica r : replicas.values()) {
            r.setStallTimeout(millis);
        }
    }

    private void configure(Replica r) {
        r.setStallTimeout(stallMillis);
        r.setStateListener(stateListener);
    }

    public Durability durability() {
        return durability;
    }

    public static Path fileOf(Path dataDir, long shardId) {
        return dataDir.resolve("shard-" + shardId + ".mv.db");
    }

    /** Opens every replica file of the data directory. */
    public void openAll() throws IOException {
        if (dataDir == null) {
            return;
        }
        Files.createDirectories(dataDir);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dataDir, "shard-*.mv.db")) {
            for (Path f : files) {
                Matcher m = FILE.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                try {
                    Replica r = Replica.open(f, durability);
                    configure(r);
                    replicas.put(r.shardId(), r);
                    log.info("opened replica of shard {} (table {}, epoch {}, schema version {}) from {}", r.shardId(),
                            r.layout().tableName(), r.state().getEpoch(), r.layout().version(), f);
                } catch (RuntimeException e) {
                    log.error("cannot open replica file {}; leaving it alone", f, e);
                }
            }
        }
        if (durability == Durability.MEMORY) {
            syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tessera-replica-sync");
                t.setDaemon(true);
                return t;
            });
            syncer.scheduleWithFixedDelay(this::syncAll, BACKGROUND_SYNC_MILLIS, BACKGROUND_SYNC_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void syncAll() {
        for (Replica r : replicas.values()) {
            try {
                r.sync();
            } catch (RuntimeException e) {
                log.warn("background sync of shard {} failed", r.shardId(), e);
            }
        }
    }

    public Replica get(long shardId) {
        return replicas.get(shardId);
    }

    /** The replica of {@code shardId}, or UNKNOWN_SHARD. */
    public Replica require(long shardId) {
        Replica r = replicas.get(shardId);
        if (r == null) {
            throw new ShardException(Error.Code.UNKNOWN_SHARD, null, "shard " + shardId + " has no replica on this node");
        }
        return r;
    }

    public List<Long> shardIds() {
        List<Long> ids = new ArrayList<>(replicas.keySet());
        ids.sort(null);
        return ids;
    }

    /**
     * Creates the replica, or brings an existing one to {@code state} and {@code schema} (idempotent).
     */
    public Replica open(ShardState state, TableSchema schema) {
        synchronized (lifecycle) {
            Replica r = replicas.get(state.getShardId());
            if (r == null) {
                Path f = dataDir == null ? null : fileOf(dataDir, state.getShardId());
                r = Replica.create(f, state, schema, durability);
                configure(r);
                replicas.put(state.getShardId(), r);
                log.info("created replica of shard {} (table {}, epoch {}) at {}", state.getShardId(), schema.getName(),
                        state.getEpoch(), f == null ? "memory" : f);
                BiConsumer<Replica, ShardState> listener = stateListener;
                if (listener != null) {
                    listener.accept(r, null);
                }
                return r;
            }
            r.adoptState(state);
            if (schema.getVersion() > r.layout().version()) {
                r.updateSchema(schema);
            }
            return r;
        }
    }

    /**
     * {@code CollectGarbage}: raises the replica's GC safe point and transaction-record horizon
     * (durably, before returning) and queues a background pass that removes what they allow.
     */
    public void collectGarbage(long shardId, long safePoint, long txnRecordsBelow) {
        Replica r = require(shardId);
        r.raiseSafePoint(safePoint, txnRecordsBelow);
        if (r.gcHorizon().safePoint() > 0) {
            collector.schedule(r);
        }
    }

    /** Closes and deletes the replica; a missing one is fine. */
    public boolean drop(long shardId) throws IOException {
        synchronized (lifecycle) {
            Replica r = replicas.remove(shardId);
            if (r == null) {
                return false;
            }
            r.failWaiters();
            BiConsumer<Replica, ShardState> listener = stateListener;
            if (listener != null) {
                listener.accept(r, r.state()); // closed: the replication layer stops its replicators
            }
            r.delete();
            log.info("dropped replica of shard {}", shardId);
            return true;
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (syncer != null) {
                syncer.shutdownNow();
            }
            collector.close();
            for (Replica r : replicas.values()) {
                try {
                    r.close();
                } catch (RuntimeException e) {
                    log.warn("closing replica of shard {} failed", r.shardId(), e);
                }
            }
            replicas.clear();
        }
    }
}
