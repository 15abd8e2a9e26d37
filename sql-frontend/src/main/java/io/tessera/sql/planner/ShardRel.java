package io.tessera.sql.planner;

import io.tessera.sql.schema.ShardedTable;
import java.util.List;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A relational operator that runs on the shard nodes, inside the scan of one table: the
 * {@link #CONVENTION SHARD} calling convention. A chain of them (scan, filter, projects, then
 * sort with offset/fetch, or a partial aggregate, in that order) becomes one {@code Fragment} sent
 * to every target shard;
 * a {@link ShardToEnumerableConverter} streams and merges the results.
 */
public interface ShardRel extends RelNode {
  /** Scan, filter and project on the shards; more shard operators can go on top. */
  Convention CONVENTION = new Convention.Impl("SHARD", ShardRel.class);

  /**
   * A fragment ending in {@link ShardSort} (sort, offset, fetch): complete, nothing more can be
   * pushed on top of it, so it lives in its own convention that only converts to enumerable.
   */
  Convention SORTED = new Convention.Impl("SHARD_SORTED", ShardRel.class);

  /**
   * A fragment ending in {@link ShardAggregate} (the partial step of a GROUP BY): complete as
   * well, since only the frontend's final aggregate may combine the shards' groups.
   */
  Convention AGGREGATED = new Convention.Impl("SHARD_AGGREGATED", ShardRel.class);

  /**
   * The traits of a {@link #CONVENTION SHARD} operator: {@code traits} without any collation.
   * A fragment runs on every target shard and the converter concatenates the shard streams, so
   * its rows are in no particular order, whatever order the logical operator it replaces had or
   * a single shard reads in; only a {@link ShardSort} (merged by the converter) delivers one.
   */
  static RelTraitSet unsorted(RelTraitSet traits) {
    return traits.replace(RelCollations.EMPTY);
  }

  /** Adds this operator's part of the fragment to {@code implementor}. */
  void implement(Implementor implementor);

  /** Collects the pieces of a fragment while visiting a chain of {@link ShardRel}s bottom-up. */
  final class Implementor {
    @Nullable ShardedTable table;
    @Nullable RelOptTable relTable;
    ShardAccess access = ShardAccess.FULL;
    /** The time of the snapshot to read ({@code FOR SYSTEM_TIME AS OF}); null = the statement's. */
    @Nullable RexNode asOf;
    @Nullable RexNode filter;
    /** Projections over the table's columns; null = the visible columns. */
    @Nullable List<RexNode> projects;
    RelCollation collation = RelCollations.EMPTY;
    @Nullable RexNode offset;
    @Nullable RexNode fetch;
    /** GROUP BY columns of the partial aggregate (of the projected row); null = no aggregate. */
    @Nullable ImmutableBitSet groupSet;
    /** The partial aggregate's calls over the projected row. */
    List<AggregateCall> aggCalls = List.of();

    public void visitChild(RelNode input) {
      ((ShardRel) input).implement(this);
    }
  }
}
