package io.tessera.sql.parser;

import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.runtime.CalciteException;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * Semantic errors detected while parsing Tessera DDL (duplicate clauses, unknown key columns, ...).
 *
 * <p>The generated parser turns a {@link CalciteContextException} thrown from a grammar action into
 * a {@link org.apache.calcite.sql.parser.SqlParseException} that carries the position, exactly
 * like a syntax error.
 */
public final class TesseraDdlErrors {
  private TesseraDdlErrors() {
  }

  /** Returns (does not throw) an exception for {@code message} at {@code pos}. */
  public static CalciteContextException error(SqlParserPos pos, String message) {
    String located = pos == null || pos == SqlParserPos.ZERO
        ? message
        : "At line " + pos.getLineNum() + ", column " + pos.getColumnNum() + ": " + message;
    CalciteContextException e =
        new CalciteContextException(located, new CalciteException(located, null));
    if (pos != null) {
      e.setPosition(pos.getLineNum(), pos.getColumnNum(), pos.getEndLineNum(),
          pos.getEndColumnNum());
    }
    return e;
  }
}
