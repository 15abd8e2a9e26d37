package io.tessera.sql.dml;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.TableSchema;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.ColumnStrategy;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql2rel.InitializerContext;
import org.apache.calcite.sql2rel.NullInitializerExpressionFactory;

/**
 * Column strategies and DEFAULT expressions of a Tessera table, for Calcite's INSERT conversion.
 *
 * <ul>
 *   <li>a column with {@code default_sql} is {@link ColumnStrategy#DEFAULT}: an omitted column (or
 *       the {@code DEFAULT} keyword) gets the parsed, validated and converted expression;</li>
 *   <li>the hidden row id ({@code hidden = true}) is {@link ColumnStrategy#STORED}, should a row
 *       type ever show it: users cannot insert into it; {@link ShardWriter} generates it. (Today
 *       {@code ShardedTable} leaves it out of the row type altogether.)</li>
 *   <li>other columns are {@code NULLABLE} or {@code NOT_NULLABLE}.</li>
 * </ul>
 */
public class ColumnDefaults extends NullInitializerExpressionFactory {
  private final TableSchema schema;

  public ColumnDefaults(TableSchema schema) {
    this.schema = schema;
  }

  public TableSchema schema() {
    return schema;
  }

  @Override public ColumnStrategy generationStrategy(RelOptTable table, int iColumn) {
    if (iColumn >= schema.getColumnsCount()) {
      return super.generationStrategy(table, iColumn);
    }
    ColumnDef c = schema.getColumns(iColumn);
    if (c.getHidden()) {
      return ColumnStrategy.STORED;
    }
    if (!c.getDefaultSql().isEmpty()) {
      return ColumnStrategy.DEFAULT;
    }
    return c.getNullable() ? ColumnStrategy.NULLABLE : ColumnStrategy.NOT_NULLABLE;
  }

  @Override public RexNode newColumnDefaultValue(RelOptTable table, int iColumn,
      InitializerContext context) {
    if (iColumn >= schema.getColumnsCount()) {
      return super.newColumnDefaultValue(table, iColumn, context);
    }
    ColumnDef c = schema.getColumns(iColumn);
    RelDataType type = table.getRowType().getFieldList().get(iColumn).getType();
    RexBuilder rexBuilder = context.getRexBuilder();
    if (c.getHidden()) {
      // Placeholder; the writer generates the real row id.
      return rexBuilder.makeZeroLiteral(type);
    }
    if (c.getDefaultSql().isEmpty()) {
      return super.newColumnDefaultValue(table, iColumn, context);
    }
    SqlNode parsed = context.parseExpression(SqlParser.config(), c.getDefaultSql());
    SqlNode validated = context.validateExpression(table.getRowType(), parsed);
    RexNode value = context.convertExpression(validated);
    if (value.getType().equals(type)) {
      return value;
    }
    return rexBuilder.makeCast(type, value, true, false);
  }
}
