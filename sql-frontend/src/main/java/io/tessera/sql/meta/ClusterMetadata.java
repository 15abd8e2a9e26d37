package io.tessera.sql.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import io.tessera.sql.error.TesseraException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frontend's view of one cluster's metadata in ZooKeeper: tables, views, the shards of each
 * table, the live shard nodes and the leading coordinator. One {@link CuratorCache} over the
 * cluster's namespace keeps it current; {@link #refresh()} reads ZooKeeper directly so a DDL
 * statement's own change is visible before the statement returns.
 *
 * <p>The view is eventually consistent, which is safe: shard nodes check the epoch and schema
 * version of every request, so a stale route or schema costs a refresh and a retry, never a wrong
 * answer. Entries carry their znode zxids, so a direct read is never overwritten by an older event
 * the cache delivers late.
 */
public final class ClusterMetadata implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterMetadata.class);
    private static final long ZK_TIMEOUT_MS = 10_000;

    private enum Kind { TABLE, VIEW, SHARD, NODE, LEADER }

    /** A parsed znode with the zxids that order its versions and incarnations. */
    private record Entry(Kind kind, Message value, long czxid, long mzxid) {}

    private final CuratorFramework client;
    private final CuratorCache cache;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final AtomicBoolean notifyPending = new AtomicBoolean();

    private final Object lock = new Object();
    // Guarded by lock.
    private final Map<String, Entry> entries = new HashMap<>();
    /** Paths seen absent by a direct read, with the zxid up to which their creations are stale. */
    private final Map<String, Long> tombstones = new ConcurrentHashMap<>();
    private long version;
    private volatile MetadataSnapshot snapshot = MetadataSnapshot.empty();

    /** {@code client} must be started and use the cluster's namespace. */
    public ClusterMetadata(CuratorFramework client) {
        this.client = client;
        this.cache = CuratorCache.build(client, "/");
        this.events = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tessera-metadata");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the cache and waits until it has loaded the current metadata. */
    public void start(Duration timeout) throws InterruptedException {
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((before, node) -> cached(node))
                .forDeletes(this::uncached)
                .forInitialized(initialized::countDown)
                .build());
        cache.start();
        if (!initialized.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw TesseraException.unavailable("cluster metadata not loaded from ZooKeeper within " + timeout, null);
        }
    }

    // ------------------------------------------------------------------------------------- reading

    /** Increases with every change; equal versions mean equal metadata. */
    public long version() {
        synchronized (lock) {
            return version;
        }
    }

    /** The current metadata, immutable and consistent. */
    public MetadataSnapshot snapshot() {
        MetadataSnapshot s = snapshot;
        synchronized (lock) {
            if (s.version() == version) {
                return s;
            }
            s = build();
            snapshot = s;
            return s;
        }
    }

    /** Tables by name. */
    public Map<String, TableSchema> tables() {
        return snapshot().tables();
    }

    public Optional<TableSchema> table(String name) {
        return snapshot().table(name);
    }

    /** Views by name. */
    public Map<String, ViewDef> views() {
        return snapshot().views();
    }

    /** The shards of a table ordered by ordinal; empty for an unknown table. */
    public List<ShardState> shards(long tableId) {
        return snapshot().shards(tableId);
    }

    /** Live shard nodes: node id to {@code host:port}. */
    public Map<String, String> liveNodes() {
        Map<String, String> addresses = new HashMap<>();
        snapshot().nodes().forEach((id, n) -> addresses.put(id, n.getAddress()));
        return Map.copyOf(addresses);
    }

    /** The leading coordinator as last published, if any. */
    public Optional<CoordinatorInfo> leader() {
        return snapshot().leader();
    }

    /**
     * Registers a listener, called after changes (coalesced: a burst of changes may produce one
     * call with the latest snapshot). Returns a handle that unregisters it.
     */
    public AutoCloseable addListener(MetadataListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Reads the metadata directly from ZooKeeper, after a {@code sync}, and merges it into this
     * view: everything committed in ZooKeeper before the call is visible when it returns (e.g. the
     * DDL just executed by the coordinator). Costs a read of every table, view and shard state.
     *
     * @throws TesseraException (08006) when ZooKeeper cannot be read
     */
    public void refresh() {
        try {
            syncWithLeader();
            Map<String, Entry> read = new HashMap<>();
            Map<String, Long> parents = new HashMap<>();
            readChildren(Kind.TABLE, ZkPaths.TABLES, "", read, parents);
            readChildren(Kind.VIEW, ZkPaths.VIEWS, "", read, parents);
            readChildren(Kind.NODE, ZkPaths.NODES_LIVE, "", read, parents);
            readChildren(Kind.SHARD, ZkPaths.SHARDS, "/state", read, parents);
            readLeader(read, parents);
            merge(read, parents);
        } catch (TesseraException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw TesseraException.unavailable("interrupted while reading cluster metadata", e);
        } catch (Exception e) {
            throw TesseraException.unavailable("cannot read cluster metadata from ZooKeeper: " + e.getMessage(), e);
        }
    }

    // -------------------------------------------------------------------------------- cache events

    private void cached(ChildData node) {
        Entry e = entry(node.getPath(), node.getData(), node.getStat());
        if (e == null) {
            return;
        }
        boolean changed;
        synchronized (lock) {
            changed = put(node.getPath(), e);
        }
        if (changed) {
            changed();
        }
    }

    private void uncached(ChildData node) {
        Kind kind = kind(node.getPath());
        if (kind == null) {
            return;
        }
        boolean changed = false;
        synchronized (lock) {
            Entry current = entries.get(node.getPath());
            // Only the incarnation that was deleted (or an older one) goes; a newer incarnation
            // read directly by refresh() stays.
            if (current != null && (node.getStat() == null || current.czxid() <= node.getStat().getCzxid())) {
                entries.remove(node.getPath());
                version++;
                changed = true;
            }
        }
        if (changed) {
            changed();
        }
    }

    /** Applies an entry unless what we hold is at least as new. Guarded by lock. */
    private boolean put(String path, Entry e) {
        Long tomb = tombstones.get(path);
        if (tomb != null) {
            if (e.czxid() <= tomb) {
                return false; // a late event about an incarnation a direct read saw deleted
            }
            tombstones.remove(path);
        }
        Entry current = entries.get(path);
        if (current != null && current.mzxid() >= e.mzxid() && current.czxid() >= e.czxid()) {
            return false;
        }
        entries.put(path, e);
        version++;
        return true;
    }

    private void changed() {
        if (listeners.isEmpty() || !notifyPending.compareAndSet(false, true)) {
            return;
        }
        try {
            events.execute(() -> {
                notifyPending.set(false);
                MetadataSnapshot s = snapshot();
                for (MetadataListener l : listeners) {
                    try {
                        l.changed(s);
                    } catch (RuntimeException ex) {
                        log.warn("Metadata listener {} failed: {}", l, ex.toString());
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            notifyPending.set(false);
        }
    }

    // --------------------------------------------------------------------------------- direct reads

    private void syncWithLeader() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger rc = new AtomicInteger();
        client.sync().inBackground((c, event) -> {
            rc.set(event.getResultCode());
            done.countDown();
        }).forPath("/");
        if (!done.await(ZK_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new KeeperException.OperationTimeoutException();
        }
        KeeperException.Code code = KeeperException.Code.get(rc.get());
        if (code != KeeperException.Code.OK && code != KeeperException.Code.NONODE) {
            throw KeeperException.create(code);
        }
    }

    /** Reads every {@code parent/<child><suffix>}, pipelined; records the parent's pzxid. */
    private void readChildren(Kind kind, String parent, String suffix, Map<String, Entry> read,
            Map<String, Long> parents) throws Exception {
        Stat parentStat = new Stat();
        List<String> children;
        try {
            children = client.getChildren().storingStatIn(parentStat).forPath(parent);
        } catch (KeeperException.NoNodeException e) {
            parents.put(parent, 0L);
            return;
        }
        parents.put(parent, parentStat.getPzxid());
        CountDownLatch done = new CountDownLatch(children.size());
        Map<String, Entry> found = new ConcurrentHashMap<>();
        List<KeeperException> failures = new CopyOnWriteArrayList<>();
        for (String child : children) {
            String path = parent + "/" + child + suffix;
            client.getData().inBackground((c, event) -> {
                try {
                    KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
                    if (code == KeeperException.Code.OK) {
                        Entry e = entry(path, event.getData(), event.getStat());
                        if (e != null && e.kind() == kind) {
                            found.put(path, e);
                        }
                    } else if (code != KeeperException.Code.NONODE) {
                        failures.add(KeeperException.create(code, path));
                    }
                } finally {
                    done.countDown();
                }
            }).forPath(path);
        }
        if (!done.await(ZK_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new KeeperException.OperationTimeoutException();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        read.putAll(found);
    }

    private void readLeader(Map<String, Entry> read, Map<String, Long> parents) throws Exception {
        Stat parentStat = client.checkExists().forPath("/coordinator");
        parents.put("/coordinator", parentStat == null ? 0L : parentStat.getPzxid());
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(ZkPaths.COORDINATOR_LEADER);
            Entry e = entry(ZkPaths.COORDINATOR_LEADER, data, stat);
            if (e != null) {
                read.put(ZkPaths.COORDINATOR_LEADER, e);
            }
        } catch (KeeperException.NoNodeException absent) {
            // no leader published
        }
    }

    private void merge(Map<String, Entry> read, Map<String, Long> parents) {
        boolean changed = false;
        synchronized (lock) {
            for (Map.Entry<String, Entry> e : read.entrySet()) {
                changed |= put(e.getKey(), e.getValue());
            }
            Set<String> gone = new HashSet<>();
            for (String path : entries.keySet()) {
                if (!read.containsKey(path)) {
                    gone.add(path);
                }
            }
            for (String path : gone) {
                // Its creation is at most the parent's last child change: later cache events about
                // that incarnation are stale.
                Long parentZxid = parents.get(parentOf(path));
                if (parentZxid == null) {
                    continue;
                }
                Entry current = entries.get(path);
                if (current.czxid() <= parentZxid) {
                    entries.remove(path);
                    tombstones.put(path, parentZxid);
                    version++;
                    changed = true;
                }
            }
        }
        if (changed) {
            changed();
        }
    }

    private static String parentOf(String path) {
        if (path.startsWith(ZkPaths.SHARDS + "/")) {
            return ZkPaths.SHARDS;
        }
        return path.substring(0, path.lastIndexOf('/'));
    }

    // ------------------------------------------------------------------------------------ parsing

    private static Kind kind(String path) {
        if (path.equals(ZkPaths.COORDINATOR_LEADER)) {
            return Kind.LEADER;
        }
        if (isChild(path, ZkPaths.TABLES)) {
            return Kind.TABLE;
        }
        if (isChild(path, ZkPaths.VIEWS)) {
            return Kind.VIEW;
        }
        if (isChild(path, ZkPaths.NODES_LIVE)) {
            return Kind.NODE;
        }
        if (path.startsWith(ZkPaths.SHARDS + "/") && path.endsWith("/state")
                && isChild(path.substring(0, path.length() - "/state".length()), ZkPaths.SHARDS)) {
            return Kind.SHARD;
        }
        return null;
    }

    private static boolean isChild(String path, String parent) {
        return path.length() > parent.length() + 1 && path.startsWith(parent + "/")
                && path.indexOf('/', parent.length() + 1) < 0;
    }

    private static Entry entry(String path, byte[] data, Stat stat) {
        Kind kind = kind(path);
        if (kind == null || data == null || stat == null) {
            return null;
        }
        try {
            Message value = switch (kind) {
                case TABLE -> TableSchema.parseFrom(data);
                case VIEW -> ViewDef.parseFrom(data);
                case SHARD -> ShardState.parseFrom(data);
                case NODE -> NodeInfo.parseFrom(data);
                case LEADER -> CoordinatorInfo.parseFrom(data);
            };
            return new Entry(kind, value, stat.getCzxid(), stat.getMzxid());
        } catch (InvalidProtocolBufferException e) {
            log.warn("Ignoring unreadable metadata at {}: {}", path, e.getMessage());
            return null;
        }
    }

    /** Builds the snapshot of the current entries. Guarded by lock. */
    private MetadataSnapshot build() {
        Map<String, TableSchema> tables = new HashMap<>();
        Map<String, ViewDef> views = new HashMap<>();
        Map<Long, List<ShardState>> shards = new HashMap<>();
        Map<String, NodeInfo> nodes = new HashMap<>();
        CoordinatorInfo leader = null;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Message v = e.getValue().value();
            switch (e.getValue().kind()) {
                case TABLE -> tables.put(((TableSchema) v).getName(), (TableSchema) v);
                case VIEW -> views.put(((ViewDef) v).getName(), (ViewDef) v);
                case SHARD -> shards.computeIfAbsent(((ShardState) v).getTableId(), id -> new ArrayList<>())
                        .add((ShardState) v);
                case NODE -> nodes.put(e.getKey().substring(ZkPaths.NODES_LIVE.length() + 1), (NodeInfo) v);
                case LEADER -> leader = (CoordinatorInfo) v;
            }
        }
        Map<Long, List<ShardState>> ordered = new HashMap<>();
        shards.forEach((id, list) -> {
            list.sort(Comparator.comparingInt(ShardState::getOrdinal));
            ordered.put(id, List.copyOf(list));
        });
        return new MetadataSnapshot(version, tables, views, ordered, nodes, Optional.ofNullable(leader));
    }

    @Override
    public void close() {
        cache.close();
        events.shutdownNow();
    }
}
