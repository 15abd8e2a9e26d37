package io.tessera.sql.dml;

import io.tessera.sql.schema.ShardedTable;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.TableModify;

/**
 * Converts a logical modification of a {@link ShardedTable} into an
 * {@link EnumerableShardTableModify}: the {@link ShardTableModify} of an INSERT, and the
 * {@code LogicalTableModify} Calcite creates itself for UPDATE and DELETE (it consults
 * {@code ModifiableTable.toModificationRel} for INSERT only).
 */
public final class EnumerableShardTableModifyRule extends ConverterRule {
  public static final EnumerableShardTableModifyRule INSTANCE = Config.INSTANCE
      .withConversion(TableModify.class, EnumerableShardTableModifyRule::isSharded,
          Convention.NONE, EnumerableConvention.INSTANCE,
          "EnumerableShardTableModifyRule")
      .withRuleFactory(EnumerableShardTableModifyRule::new)
      .toRule(EnumerableShardTableModifyRule.class);

  private EnumerableShardTableModifyRule(Config config) {
    super(config);
  }

  private static boolean isSharded(TableModify modify) {
    return modify.getTable().unwrap(ShardedTable.class) != null;
  }

  @Override public RelNode convert(RelNode rel) {
    TableModify modify = (TableModify) rel;
    RelTraitSet traits = modify.getTraitSet().replace(EnumerableConvention.INSTANCE);
    RelNode input = convert(modify.getInput(),
        modify.getInput().getTraitSet().replace(EnumerableConvention.INSTANCE));
    return new EnumerableShardTableModify(modify.getCluster(), traits, modify.getTable(),
        modify.getCatalogReader(), input, modify.getOperation(), modify.getUpdateColumnList(),
        modify.getSourceExpressionList(), modify.isFlattened());
  }
}
