package io.tessera.sql.parser;

import java.io.Reader;

import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.server.DdlExecutor;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.parser.SqlAbstractParserImpl;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserImplFactory;

import io.tessera.sql.parser.impl.TesseraSqlParserImpl;

/**
 * Entry points for Tessera's SQL parser (Calcite's grammar plus Tessera DDL).
 *
 * <p>The generated parser is {@link TesseraSqlParserImpl}; its factory is
 * {@link TesseraSqlParserImpl#FACTORY}. {@link #CONFIG} is the parser configuration Tessera uses.
 */
public final class TesseraSqlParser {
  private TesseraSqlParser() {
  }

  /** Factory of the generated parser (its DDL executor is Calcite's "useless" one). */
  public static final SqlParserImplFactory FACTORY = TesseraSqlParserImpl.FACTORY;

  /**
   * Tessera's parser configuration: double-quoted identifiers keep their case, unquoted ones are
   * upper-cased, case-sensitive matching afterwards, Tessera's parser factory.
   */
  public static final SqlParser.Config CONFIG = SqlParser.config()
      .withParserFactory(TesseraSqlParserImpl.FACTORY)
      .withQuoting(Quoting.DOUBLE_QUOTE)
      .withUnquotedCasing(Casing.TO_UPPER)
      .withQuotedCasing(Casing.UNCHANGED)
      .withCaseSensitive(true);

  /** Parses one statement with {@link #CONFIG}. */
  public static SqlNode parse(String sql) throws SqlParseException {
    return SqlParser.create(sql, CONFIG).parseStmt();
  }

  /** Parses a semicolon-separated list of statements with {@link #CONFIG}. */
  public static SqlNodeList parseList(String sql) throws SqlParseException {
    return SqlParser.create(sql, CONFIG).parseStmtList();
  }

  /**
   * A factory producing this parser whose {@link SqlParserImplFactory#getDdlExecutor()} is
   * {@code executor}: use it as the {@code parserFactory} of a Calcite connection so that
   * {@code CalcitePrepareImpl} hands DDL nodes to Tessera's executor.
   */
  public static SqlParserImplFactory factory(DdlExecutor executor) {
    return new SqlParserImplFactory() {
      @Override public SqlAbstractParserImpl getParser(Reader stream) {
        return TesseraSqlParserImpl.FACTORY.getParser(stream);
      }

      @Override public DdlExecutor getDdlExecutor() {
        return executor;
      }
    };
  }
}
