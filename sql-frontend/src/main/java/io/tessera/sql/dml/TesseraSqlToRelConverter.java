package io.tessera.sql.dml;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.schema.ShardedTable;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.logical.LogicalTableModify;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlBinaryStringLiteral;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlCharStringLiteral;
import org.apache.calcite.sql.SqlInsert;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.util.NlsString;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Calcite's SQL-to-relational conversion, except that {@code INSERT ... VALUES} rejects a string
 * literal longer than its CHAR/VARCHAR/BINARY/VARBINARY column (22001) before conversion, which
 * would otherwise fold the literal into a cast that silently cuts it to the column length; and
 * the source of an UPDATE gets the same checked casts and parameters as an INSERT's.
 */
public class TesseraSqlToRelConverter extends SqlToRelConverter {
  private final SqlValidator validator;

  public TesseraSqlToRelConverter(RelOptTable.ViewExpander viewExpander, SqlValidator validator,
      Prepare.CatalogReader catalogReader, RelOptCluster cluster,
      SqlRexConvertletTable convertletTable, Config config) {
    super(viewExpander, validator, catalogReader, cluster, convertletTable, config);
    this.validator = validator;
  }

  /** UPDATE sources are checked like INSERT sources (see {@link CheckedCasts}). */
  @Override protected RelRoot convertQueryRecursive(SqlNode query, boolean top,
      @Nullable RelDataType targetRowType) {
    RelRoot root = super.convertQueryRecursive(query, top, targetRowType);
    if (query.getKind() == SqlKind.UPDATE && root.rel instanceof LogicalTableModify
        && root.rel.getTable() != null
        && root.rel.getTable().unwrap(ShardedTable.class) != null) {
      LogicalTableModify m = (LogicalTableModify) root.rel;
      RelNode input = checkSetExpressions(m);
      if (input != m.getInput()) {
        return root.withRel(LogicalTableModify.create(m.getTable(), m.getCatalogReader(), input,
            m.getOperation(), m.getUpdateColumnList(), m.getSourceExpressionList(),
            m.isFlattened()));
      }
    }
    return root;
  }

  /**
   * Checks only the SET expressions: the UPDATE source is a projection of the table's columns
   * followed by one expression per SET column. Checking the WHERE clause too would wrap its
   * parameters in calls that the shards cannot evaluate, so {@code WHERE key = ?} would no longer
   * prune shards or use the key (a full scan per UPDATE).
   */
  private static RelNode checkSetExpressions(LogicalTableModify m) {
    if (!(m.getInput() instanceof LogicalProject)) {
      return CheckedCasts.checkCasts(m.getInput());
    }
    LogicalProject p = (LogicalProject) m.getInput();
    List<RexNode> exprs = new ArrayList<>(p.getProjects());
    int first = exprs.size() - m.getUpdateColumnList().size();
    boolean changed = false;
    for (int i = Math.max(0, first); i < exprs.size(); i++) {
      RexNode checked = CheckedCasts.checkCasts(p.getCluster().getRexBuilder(), exprs.get(i));
      changed |= checked != exprs.get(i);
      exprs.set(i, checked);
    }
    return changed ? p.copy(p.getTraitSet(), p.getInput(), exprs, p.getRowType()) : p;
  }

  @Override protected RelNode convertInsert(SqlInsert call) {
    RelDataType target = validator.getValidatedNodeType(call);
    SqlNode source = call.getSource();
    if (target != null && source.getKind() == SqlKind.VALUES) {
      for (SqlNode row : ((SqlCall) source).getOperandList()) {
        List<SqlNode> values = row.getKind() == SqlKind.ROW
            ? ((SqlCall) row).getOperandList() : List.of(row);
        for (int i = 0; i < values.size() && i < target.getFieldCount(); i++) {
          check(target.getFieldList().get(i), values.get(i));
        }
      }
    }
    return super.convertInsert(call);
  }

  private static void check(RelDataTypeField field, SqlNode value) {
    while (value.getKind() == SqlKind.CAST && value instanceof SqlBasicCall) {
      value = ((SqlBasicCall) value).operand(0);
    }
    RelDataType type = field.getType();
    int max = type.getPrecision();
    if (max <= 0 || max == RelDataType.PRECISION_NOT_SPECIFIED) {
      return;
    }
    SqlTypeName name = type.getSqlTypeName();
    if ((name == SqlTypeName.CHAR || name == SqlTypeName.VARCHAR)
        && value instanceof SqlCharStringLiteral) {
      String s = ((SqlCharStringLiteral) value).getValueAs(NlsString.class).getValue();
      CheckedCasts.checkChars(s, max);
    } else if ((name == SqlTypeName.BINARY || name == SqlTypeName.VARBINARY)
        && value instanceof SqlBinaryStringLiteral) {
      int length = ((SqlBinaryStringLiteral) value).getBitString().getAsByteArray().length;
      if (length > max) {
        throw new TesseraException(SqlStates.STRING_TRUNCATION, "Value of " + length
            + " bytes too long for column " + field.getName() + " " + name + "(" + max + ")");
      }
    }
  }
}
