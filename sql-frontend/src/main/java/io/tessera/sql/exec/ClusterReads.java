package io.tessera.sql.exec;

import io.grpc.Channel;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.UniqueIds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The read path's view of one cluster client: its metadata and timestamp oracle, plus the
 * {@link ShardChannels} to its nodes (one set per client, closed with it), the
 * {@link SnapshotClock} of its multi-shard reads and the {@link IssuedRanges} its primaries reported.
 */
public final class ClusterReads implements ReadCluster {
  private static final Map<ClusterClient, ClusterReads> BY_CLIENT =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final ClusterClient client;
  private final ShardChannels channels;
  private final SnapshotClock snapshots;
  private final IssuedRanges ranges = new IssuedRanges();
  private final UniqueIds uniqueIds;
  private final AtomicLong refreshRequests = new AtomicLong();
  private final Object refreshLock = new Object();
  /** Every refresh request up to this one was served by a read that began after it. */
  private long refreshedUpTo;

  private ClusterReads(ClusterClient client) {
    this.client = client;
    this.channels = new ShardChannels();
    this.uniqueIds = new UniqueIds(n -> client.coordinator().timestamps(n), System::currentTimeMillis);
    this.snapshots = new SnapshotClock(budget -> client.coordinator().nextTimestampWithin(budget),
        new ShardClockProbe(this::allShards, this::channel, SnapshotClock.shardProbeBudget(),
            ranges),
        uniqueIds, ranges, SnapshotClock.oracleBudget());
    client.onClose(this::close);
  }

  /** The reads (and shard channels) of {@code client}, created once per client. */
  public static ClusterReads of(ClusterClient client) {
    return BY_CLIENT.computeIfAbsent(client, ClusterReads::new);
  }

  /** The channels to the client's shard nodes (shared with writes). */
  public ShardChannels channels() {
    return channels;
  }

  @Override public @Nullable TableSchema table(String name) {
    return client.metadata().tables().get(name);
  }

  @Override public List<ShardState> shards(long tableId) {
    return client.metadata().shards(tableId);
  }

  @Override public @Nullable Channel channel(String nodeId) {
    String address = client.metadata().snapshot().nodeAddress(nodeId).orElse(null);
    return address == null ? null : channels.channel(address);
  }

  @Override public boolean isLive(String nodeId) {
    return client.metadata().snapshot().nodes().containsKey(nodeId);
  }

  @Override public String describeNode(String nodeId) {
    return client.metadata().snapshot().nodeAddress(nodeId).orElse("(not live)");
  }

  /**
   * Re-reads the metadata from ZooKeeper. Concurrent callers (many statements retrying through
   * one failover) share reads: a caller returns after any read that began after it asked.
   */
  @Override public void refresh() {
    long asked = refreshRequests.incrementAndGet();
    synchronized (refreshLock) {
      if (refreshedUpTo >= asked) {
        return;
      }
      long upTo = refreshRequests.get();
      client.metadata().refresh();
      refreshedUpTo = upTo;
    }
  }

  @Override public long nextTimestamp() {
    return client.coordinator().nextTimestamp();
  }

  @Override public SnapshotTimestamp snapshotTimestamp() {
    return snapshots.next();
  }

  /** Hidden row ids and the identities of transactions that start without the oracle. */
  public UniqueIds uniqueIds() {
    return uniqueIds;
  }

  @Override public long rangeEnd(long ts) {
    return ranges.endOf(ts);
  }

  @Override public void learnRange(long ts, long end) {
    ranges.learn(ts, end);
  }

  /** Every shard of every table, as the metadata knows them now. */
  private List<ShardState> allShards() {
    List<ShardState> all = new ArrayList<>();
    client.metadata().snapshot().shards().values().forEach(all::addAll);
    return all;
  }

  private void close() {
    BY_CLIENT.remove(client);
    snapshots.close();
    channels.close();
  }
}
