package io.tessera.sql.planner;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.schema.ShardedTable;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalciteSqlValidator;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlSnapshot;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorNamespace;
import org.apache.calcite.sql.validate.SqlValidatorScope;
import org.apache.calcite.sql.validate.SqlValidatorTable;
import org.apache.calcite.util.Litmus;
import org.apache.calcite.util.Util;

import static org.apache.calcite.util.Static.RESOURCE;

/**
 * Calcite's validator, taking {@code FROM t FOR SYSTEM_TIME AS OF <time>} (SQL:2011) on every
 * Tessera table. Calcite accepts the clause only on a {@code TemporalTable}, a table with
 * validity-period columns; a Tessera table has none, but every one keeps its old row versions
 * (MVCC), so any of them can be read at a past snapshot within the GC window.
 *
 * <p>Checked here, before planning: the time is a TIMESTAMP with one value per execution (a
 * literal, {@code CURRENT_TIMESTAMP} and intervals, a parameter; not a column: the time of
 * temporal joins is not supported, 0A000); the table is a Tessera table (not a view or a system
 * table, 0A000); every {@code AS OF} of the statement names the same time (0A000: a statement
 * reads one snapshot); the statement does not write (25006: a past snapshot is read-only). That
 * no table (or view) of the statement is read without the clause is checked at execution
 * ({@link PlanScans}).
 */
public final class AsOfValidator extends CalciteSqlValidator {
  private AsOfValidator(SqlValidator like) {
    super(like.getOperatorTable(), (CalciteCatalogReader) like.getCatalogReader(),
        (JavaTypeFactory) like.getTypeFactory(), like.config());
  }

  /** A validator configured as {@code like} (Calcite's, for the same statement). */
  public static SqlValidator like(SqlValidator like) {
    return new AsOfValidator(like);
  }

  @Override public SqlNode validate(SqlNode topNode) {
    List<SqlNode> times = times(topNode);
    if (times.isEmpty()) {
      return super.validate(topNode);
    }
    if (topNode.getKind().belongsTo(SqlKind.DML)) {
      throw new TesseraException(SqlStates.READ_ONLY_TRANSACTION, topNode.getKind()
          + " cannot read FOR SYSTEM_TIME AS OF: a past snapshot is read-only, and a write"
          + " reads the current state");
    }
    for (SqlNode time : times) {
      if (!time.equalsDeep(times.get(0), Litmus.IGNORE)) {
        throw unsupported("a statement reads one snapshot, so every table in it must be read"
            + " at the same time (" + times.get(0) + " and " + time + " differ)");
      }
    }
    return super.validate(topNode);
  }

  @Override public void validateQuery(SqlNode node, SqlValidatorScope scope,
      RelDataType targetRowType) {
    if (node.getKind() != SqlKind.SNAPSHOT) {
      super.validateQuery(node, scope, targetRowType);
      return;
    }
    SqlSnapshot snapshot = (SqlSnapshot) node;
    // A snapshot shares its table's namespace: this is everything Calcite checks of it, except
    // its demand for a TemporalTable.
    super.validateQuery(snapshot.getTableRef(), scope, targetRowType);
    SqlNode period = snapshot.getPeriod();
    if (readsARow(period)) {
      throw unsupported("the time must have one value per statement (a literal, CURRENT_TIMESTAMP"
          + " +/- an interval, or a parameter), not read a column or a query");
    }
    RelDataType type = deriveType(scope, period);
    if (type.getSqlTypeName() != SqlTypeName.TIMESTAMP) {
      throw newValidationError(period,
          RESOURCE.illegalExpressionForTemporal(type.getSqlTypeName().getName()));
    }
    SqlValidatorNamespace ns = getNamespace(snapshot);
    SqlValidatorTable table = ns == null ? null : ns.getTable();
    if (table == null || table.unwrap(ShardedTable.class) == null) {
      List<String> name = table == null ? List.of("?") : table.getQualifiedName();
      throw unsupported(name.get(name.size() - 1) + " is not a Tessera table (views and system"
          + " tables cannot be read AS OF; SET SNAPSHOT_TIMESTAMP reads them in the past)");
    }
  }

  /** Whether {@code node} reads a column or runs a query (a constant reads neither). */
  private boolean readsARow(SqlNode node) {
    try {
      node.accept(new SqlBasicVisitor<Void>() {
        @Override public Void visit(SqlIdentifier id) {
          if (makeNullaryCall(id) == null) { // CURRENT_TIMESTAMP parses as an identifier
            throw Util.FoundOne.NULL;
          }
          return null;
        }

        @Override public Void visit(SqlCall call) {
          if (call instanceof SqlSelect) {
            throw Util.FoundOne.NULL;
          }
          return super.visit(call);
        }
      });
      return false;
    } catch (Util.FoundOne found) {
      return true;
    }
  }

  /** The times of every {@code FOR SYSTEM_TIME AS OF} in {@code node}. */
  private static List<SqlNode> times(SqlNode node) {
    List<SqlNode> times = new ArrayList<>();
    node.accept(new SqlBasicVisitor<Void>() {
      @Override public Void visit(SqlCall call) {
        if (call.getKind() == SqlKind.SNAPSHOT) {
          times.add(((SqlSnapshot) call).getPeriod());
        }
        return super.visit(call);
      }
    });
    return times;
  }

  private static TesseraException unsupported(String why) {
    return new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, "FOR SYSTEM_TIME AS OF: " + why);
  }
}
