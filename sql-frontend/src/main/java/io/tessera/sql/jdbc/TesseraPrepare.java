package io.tessera.sql.jdbc;

import io.tessera.sql.dml.EnumerableShardTableModifyRule;
import io.tessera.sql.dml.TesseraSqlToRelConverter;
import io.tessera.sql.planner.AsOfScans;
import io.tessera.sql.planner.AsOfValidator;
import io.tessera.sql.planner.CommonKeyTypeJoinRule;
import io.tessera.sql.planner.DistinctSafeMergeUnionRule;
import java.lang.reflect.Type;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.interpreter.BindableConvention;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.plan.RelOptCostFactory;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.rel.rules.CoreRules;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Calcite's statement preparation with Tessera's planner rules. The shard convention registers
 * its own rules when a shard scan enters the planner; here the planner also always knows how to
 * implement writes to sharded tables (INSERT, UPDATE, DELETE), in place of Calcite's
 * {@code EnumerableTableModify}, and two of Calcite's enumerable rules are replaced by corrected
 * ones: {@link CommonKeyTypeJoinRule} (hash joins on keys of different types) and
 * {@link DistinctSafeMergeUnionRule} (no LIMIT below a distinct UNION). It also infers predicates
 * across join equalities ({@code a.x = b.y AND a.x = ?} gives {@code b.y = ?}), which Calcite's
 * default rule set does not, so that both sides of a join prune shards and choose key ranges.
 * {@code FOR SYSTEM_TIME AS OF} is validated by {@link AsOfValidator} and moved into the table
 * scans by {@link AsOfScans} before planning (docs/transactions.md, "AS OF: reading the past").
 */
public class TesseraPrepare extends CalcitePrepareImpl {
  /** Calcite's, converting SQL to relational algebra with {@link TesseraSqlToRelConverter}. */
  @Override protected CalcitePreparingStmt getPreparingStmt(CalcitePrepare.Context context,
      Type elementType, CalciteCatalogReader catalogReader, RelOptPlanner planner) {
    final JavaTypeFactory typeFactory = context.getTypeFactory();
    final EnumerableRel.Prefer prefer = elementType == Object[].class
        ? EnumerableRel.Prefer.ARRAY : EnumerableRel.Prefer.CUSTOM;
    final Convention resultConvention = enableBindable ? BindableConvention.INSTANCE
        : EnumerableConvention.INSTANCE;
    final RelOptCluster cluster = createCluster(planner, new RexBuilder(typeFactory));
    return new CalcitePreparingStmt(this, context, catalogReader, typeFactory,
        context.getRootSchema(), prefer, cluster, resultConvention, createConvertletTable()) {
      @Override protected SqlToRelConverter getSqlToRelConverter(SqlValidator validator,
          Prepare.CatalogReader catalogReader, SqlToRelConverter.Config config) {
        return new TesseraSqlToRelConverter(this, validator, catalogReader, cluster,
            convertletTable, config);
      }

      /** FOR SYSTEM_TIME AS OF becomes the time its scans read at, before planning. */
      @Override protected RelRoot optimize(RelRoot root, List<Materialization> materializations,
          List<CalciteSchema.LatticeEntry> lattices) {
        return super.optimize(root.withRel(AsOfScans.apply(root.rel)), materializations,
            lattices);
      }

      /** Calcite's validator, also taking FOR SYSTEM_TIME AS OF on Tessera tables. */
      @Override protected SqlValidator createSqlValidator(Prepare.CatalogReader catalogReader,
          UnaryOperator<SqlValidator.Config> configTransform) {
        return AsOfValidator.like(super.createSqlValidator(catalogReader, configTransform));
      }
    };
  }

  @Override protected RelOptPlanner createPlanner(CalcitePrepare.Context prepareContext,
      org.apache.calcite.plan.@Nullable Context externalContext,
      @Nullable RelOptCostFactory costFactory) {
    RelOptPlanner planner = super.createPlanner(prepareContext, externalContext, costFactory);
    // Writes to sharded tables are ours; Calcite's cannot UPDATE and would write to a collection.
    planner.removeRule(EnumerableRules.ENUMERABLE_TABLE_MODIFICATION_RULE);
    planner.addRule(EnumerableShardTableModifyRule.INSTANCE);
    // Calcite's hash join compares keys of different types (INTEGER vs SMALLINT) as unequal.
    planner.removeRule(EnumerableRules.ENUMERABLE_JOIN_RULE);
    planner.addRule(CommonKeyTypeJoinRule.INSTANCE);
    // Calcite's merge union pushes LIMIT below a distinct UNION, losing rows.
    planner.removeRule(EnumerableRules.ENUMERABLE_MERGE_UNION_RULE);
    planner.addRule(DistinctSafeMergeUnionRule.INSTANCE);
    // Not among Calcite's default rules: without it, WHERE i.id = ? in
    // "i JOIN d ON d.item_id = i.id" prunes i but d is scanned on every shard.
    planner.addRule(CoreRules.JOIN_PUSH_TRANSITIVE_PREDICATES);
    return planner;
  }
}
