package io.tessera.sql.planner;

import com.google.common.collect.ImmutableList;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How a shard scan reaches its rows: which shards (all, or those owning given shard-key tuples)
 * and which key range of the primary key (index id 0) or of a secondary index. Derived from the
 * pushed filter by {@link #choose}; values may be {@code ?} parameters resolved at execution.
 */
public final class ShardAccess {
  /** More shard-key tuples than this (an IN list crossed with another) scan every shard. */
  static final int MAX_SHARD_KEYS = 256;

  /** Every shard, in primary-key order, no bounds. */
  public static final ShardAccess FULL =
      new ShardAccess(null, 0, "", ImmutableList.of(), true, ImmutableList.of(), true);

  private final @Nullable List<List<KeyValue>> shardKeys;
  private final int indexId;
  private final String indexName;
  private final List<KeyValue> lower;
  private final boolean lowerInclusive;
  private final List<KeyValue> upper;
  private final boolean upperInclusive;

  ShardAccess(@Nullable List<List<KeyValue>> shardKeys, int indexId, String indexName,
      List<KeyValue> lower, boolean lowerInclusive, List<KeyValue> upper,
      boolean upperInclusive) {
    this.shardKeys = shardKeys == null ? null : ImmutableList.copyOf(shardKeys);
    this.indexId = indexId;
    this.indexName = indexName;
    this.lower = ImmutableList.copyOf(lower);
    this.lowerInclusive = lowerInclusive;
    this.upper = ImmutableList.copyOf(upper);
    this.upperInclusive = upperInclusive;
  }

  /** Shard-key tuples (in shard-key column order) the rows must have; null = every shard. */
  public @Nullable List<List<KeyValue>> shardKeys() {
    return shardKeys;
  }

  public int indexId() {
    return indexId;
  }

  /** Lower bound on the scanned key's leading columns; empty = from the start. */
  public List<KeyValue> lower() {
    return lower;
  }

  public boolean lowerInclusive() {
    return lowerInclusive;
  }

  /** Upper bound on the scanned key's leading columns; empty = to the end. */
  public List<KeyValue> upper() {
    return upper;
  }

  public boolean upperInclusive() {
    return upperInclusive;
  }

  /**
   * The same shards, without a key range or index: every row of those shards (for a plan whose
   * index was dropped; the fragment's filter still selects the rows).
   */
  ShardAccess withoutIndex() {
    return indexId == 0 && lower.isEmpty() && upper.isEmpty() ? this
        : new ShardAccess(shardKeys, 0, "", ImmutableList.of(), true, ImmutableList.of(), true);
  }

  public boolean isFull() {
    return shardKeys == null && indexId == 0 && lower.isEmpty() && upper.isEmpty();
  }

  /** Whether the bounds fix the whole scanned key (a point lookup). */
  boolean isPointOn(TableSchema schema) {
    int width = indexId == 0 ? schema.getPrimaryKeyCount() : index(schema).getColumnsCount();
    return lower.size() == width && lower.equals(upper) && lowerInclusive && upperInclusive;
  }

  private IndexDef index(TableSchema schema) {
    for (IndexDef i : schema.getIndexesList()) {
      if (i.getIndexId() == indexId) {
        return i;
      }
    }
    throw new IllegalStateException("index " + indexId + " of " + schema.getName());
  }

  /** Chooses shards and key range for a scan of {@code schema} under {@code conditions}. */
  public static ShardAccess choose(TableSchema schema, KeyConditions conditions) {
    List<List<KeyValue>> shardKeys = shardKeys(schema, conditions);

    int bestId = 0;
    String bestName = "";
    Range best = null;
    if (schema.getPrimaryKeyCount() > 0) {
      best = range(schema.getPrimaryKeyList(), conditions);
      bestName = "PRIMARY KEY";
    }
    for (IndexDef index : schema.getIndexesList()) {
      Range r = range(index.getColumnsList(), conditions);
      if (r != null && (best == null || r.score() > best.score())) {
        best = r;
        bestId = index.getIndexId();
        bestName = index.getName();
      }
    }
    if (best == null || best.score() == 0) {
      return new ShardAccess(shardKeys, 0, "", ImmutableList.of(), true, ImmutableList.of(),
          true);
    }
    return new ShardAccess(shardKeys, bestId, bestName, best.lower, best.lowerInclusive,
        best.upper, best.upperInclusive);
  }

  /** The shard-key tuples when equality conditions fix every shard-key column (HASH only). */
  private static @Nullable List<List<KeyValue>> shardKeys(TableSchema schema,
      KeyConditions conditions) {
    if (schema.getStrategy() != ShardStrategy.HASH) {
      return null;
    }
    List<Integer> key = schema.getShardKeyCount() > 0 ? schema.getShardKeyList()
        : schema.getPrimaryKeyList();
    if (key.isEmpty()) {
      return null;
    }
    List<List<KeyValue>> tuples = new ArrayList<>();
    tuples.add(ImmutableList.of());
    for (int col : key) {
      KeyConditions.Column c = conditions.column(col);
      if (c == null || c.points == null) {
        return null;
      }
      if ((long) tuples.size() * c.points.size() > MAX_SHARD_KEYS) {
        return null;
      }
      List<List<KeyValue>> next = new ArrayList<>();
      for (List<KeyValue> prefix : tuples) {
        for (KeyValue v : c.points) {
          next.add(ImmutableList.<KeyValue>builder().addAll(prefix).add(v).build());
        }
      }
      tuples = next;
    }
    return tuples;
  }

  /** Bounds on a key whose columns are {@code columns}. */
  private static final class Range {
    final List<KeyValue> lower = new ArrayList<>();
    boolean lowerInclusive = true;
    final List<KeyValue> upper = new ArrayList<>();
    boolean upperInclusive = true;
    int equalities;
    boolean ranged;

    /** Longer equality prefixes first, then a range on the next column. */
    int score() {
      return equalities * 2 + (ranged ? 1 : 0);
    }
  }

  private static @Nullable Range range(List<Integer> columns, KeyConditions conditions) {
    if (columns.isEmpty()) {
      return null;
    }
    Range r = new Range();
    for (int col : columns) {
      KeyConditions.Column c = conditions.column(col);
      if (c == null) {
        break;
      }
      if (c.points != null && c.points.size() == 1) {
        r.lower.add(c.points.get(0));
        r.upper.add(c.points.get(0));
        r.equalities++;
        continue;
      }
      if (c.hasRange()) {
        if (c.lower != null) {
          r.lower.add(c.lower);
          r.lowerInclusive = c.lowerInclusive;
        }
        if (c.upper != null) {
          r.upper.add(c.upper);
          r.upperInclusive = c.upperInclusive;
        }
        r.ranged = true;
      }
      break;
    }
    return r;
  }

  /** Shards of the plan: "all", or the number of shard-key tuples. */
  String describeShardKeys() {
    if (shardKeys == null) {
      return "all";
    }
    StringBuilder b = new StringBuilder();
    for (List<KeyValue> t : shardKeys) {
      b.append(b.length() == 0 ? "" : ", ").append(t.size() == 1 ? t.get(0).toString()
          : t.toString());
    }
    return b.toString();
  }

  String describeIndex() {
    return indexId == 0 ? (lower.isEmpty() && upper.isEmpty() ? "" : "PRIMARY KEY") : indexName;
  }

  String describeRange() {
    String lo = lower.isEmpty() ? "(-inf" : (lowerInclusive ? "[" : "(") + join(lower);
    String hi = upper.isEmpty() ? "+inf)" : join(upper) + (upperInclusive ? "]" : ")");
    return lo + ".." + hi;
  }

  private static String join(List<KeyValue> values) {
    StringBuilder b = new StringBuilder();
    for (KeyValue v : values) {
      b.append(b.length() == 0 ? "" : ", ").append(v);
    }
    return b.toString();
  }

  @Override public boolean equals(Object o) {
    if (!(o instanceof ShardAccess)) {
      return false;
    }
    ShardAccess a = (ShardAccess) o;
    return indexId == a.indexId && lowerInclusive == a.lowerInclusive
        && upperInclusive == a.upperInclusive && Objects.equals(shardKeys, a.shardKeys)
        && lower.equals(a.lower) && upper.equals(a.upper);
  }

  @Override public int hashCode() {
    return Objects.hash(shardKeys, indexId, lower, upper, lowerInclusive, upperInclusive);
  }
}
