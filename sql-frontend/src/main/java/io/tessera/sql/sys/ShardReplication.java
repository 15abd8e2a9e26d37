package io.tessera.sql.sys;

import io.tessera.protocol.proto.FollowerProgress;
import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ShardState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One shard's replication as ZooKeeper configures it ({@link ShardState}) and as its replicas
 * report it ({@code ReplicaStatus}, see {@link ReplicaStatusProbe}): what {@code SYS.SHARDS} and
 * {@code tessera status} show.
 *
 * @param state the shard's configuration in ZooKeeper
 * @param tableName the name of its table ({@code #id} when unknown)
 * @param replicas every replica named in {@code state}, primary first
 * @param lastLsn the primary's newest log entry, if it answered
 * @param commitLsn the newest entry the primary knows acknowledged by the sync set
 * @param serving whether the primary holds its read lease
 */
public record ShardReplication(ShardState state, String tableName, List<Replica> replicas,
    @Nullable Long lastLsn, @Nullable Long commitLsn, @Nullable Boolean serving) {

  /**
   * One replica of the shard.
   *
   * @param role PRIMARY or FOLLOWER as the replica reports it; DOWN when its node is not live;
   *     NO ANSWER when the node did not answer in time; UNKNOWN when the node cannot report
   *     replica status; MISSING when the node answered without this replica
   * @param lastLsn the replica's newest log entry, if it answered
   * @param lag for a follower, entries behind the primary (primary's last lsn − the follower's
   *     acknowledged lsn), from the primary's report; null when unknown
   */
  public record Replica(String nodeId, boolean primary, boolean inSyncSet, boolean live,
      String role, @Nullable Long lastLsn, @Nullable Long lag) {}

  /** Combines a shard's configuration with the answers of its nodes. */
  public static ShardReplication of(ShardState state, String tableName,
      Map<String, ReplicaStatusProbe.NodeAnswer> answers, Set<String> liveNodes) {
    long shardId = state.getShardId();
    String primaryId = state.getPrimary();
    Optional<ReplicaStatus> primary = Optional.ofNullable(answers.get(primaryId))
        .flatMap(a -> a.replica(shardId))
        .filter(r -> r.getRole() == ReplicaStatus.Role.PRIMARY);
    List<String> nodes = new ArrayList<>();
    if (!primaryId.isEmpty()) {
      nodes.add(primaryId);
    }
    for (String n : state.getReplicasList()) {
      if (!nodes.contains(n)) {
        nodes.add(n);
      }
    }
    List<Replica> replicas = new ArrayList<>(nodes.size());
    for (String n : nodes) {
      boolean live = liveNodes.contains(n);
      ReplicaStatusProbe.NodeAnswer answer = answers.get(n);
      Optional<ReplicaStatus> status = answer == null ? Optional.empty() : answer.replica(shardId);
      String role;
      if (!live) {
        role = "DOWN";
      } else if (answer == null || answer.response() == null) {
        role = answer != null && answer.unsupported() ? "UNKNOWN" : "NO ANSWER";
      } else if (status.isEmpty()) {
        role = "MISSING";
      } else {
        role = status.get().getRole().name()
            + (status.get().getInstallingSnapshot() ? " (SNAPSHOT)" : "");
      }
      Long lag = null;
      if (primary.isPresent() && !n.equals(primaryId)) {
        for (FollowerProgress f : primary.get().getFollowersList()) {
          if (f.getNodeId().equals(n)) {
            lag = Math.max(0, primary.get().getLastLsn() - f.getAckedLsn());
          }
        }
      }
      replicas.add(new Replica(n, n.equals(primaryId), state.getSyncSetList().contains(n), live,
          role, status.map(ReplicaStatus::getLastLsn).orElse(null), lag));
    }
    return new ShardReplication(state, tableName, List.copyOf(replicas),
        primary.map(ReplicaStatus::getLastLsn).orElse(null),
        primary.map(ReplicaStatus::getCommitLsn).orElse(null),
        primary.map(ReplicaStatus::getServing).orElse(null));
  }

  /** {@code node role, ...}, primary first. */
  public String roles() {
    return replicas.stream().map(r -> r.nodeId() + " " + r.role())
        .collect(Collectors.joining(", "));
  }

  /** {@code follower lag, ...} for the followers whose lag is known; empty when none is. */
  public String followerLag() {
    return replicas.stream().filter(r -> !r.primary() && r.lag() != null)
        .map(r -> r.nodeId() + " " + r.lag()).collect(Collectors.joining(", "));
  }

  /** The largest known follower lag, or null. */
  public @Nullable Long maxLag() {
    return replicas.stream().filter(r -> !r.primary() && r.lag() != null).map(Replica::lag)
        .max(Long::compare).orElse(null);
  }
}
