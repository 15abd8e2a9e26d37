<#--
  Tessera DDL extension of Calcite's core Parser.jj.

  Registered in config.fmpp:
    createStatementParserMethods: SqlCreateTesseraTable, SqlCreateTesseraIndex, SqlCreateTesseraView
    dropStatementParserMethods:   SqlDropTesseraTable, SqlDropTesseraIndex, SqlDropTesseraView
    dataTypeParserMethods:        TesseraTextTypeName()

  New keywords (COLOCATE, HASH, IF, INDEX, REPLICAS, REPLICATED, SHARD, SHARDS, TEXT) are all
  non-reserved, so they remain valid identifiers; the productions below use enough lookahead that
  e.g. a table named "if" still works.
-->

/** [ IF NOT EXISTS ] */
boolean TesseraIfNotExistsOpt() :
{
}
{
    LOOKAHEAD(3) <IF> <NOT> <EXISTS> { return true; }
|
    { return false; }
}

/** [ IF EXISTS ] */
boolean TesseraIfExistsOpt() :
{
}
{
    LOOKAHEAD(2) <IF> <EXISTS> { return true; }
|
    { return false; }
}

/** TEXT: VARCHAR without a length. Unparses as TEXT, derives as VARCHAR. */
SqlTypeNameSpec TesseraTextTypeName() :
{
}
{
    <TEXT> {
        return new SqlAlienSystemTypeNameSpec("TEXT", SqlTypeName.VARCHAR, getPos());
    }
}

/**
 * One element of the parenthesized list of CREATE TABLE:
 *
 *   column_name data_type { NOT NULL | NULL | DEFAULT expr | PRIMARY KEY | UNIQUE }*
 * | column_name                                   (only with AS query)
 * | [ CONSTRAINT name ] PRIMARY KEY ( col [, col]* )
 * | [ CONSTRAINT name ] UNIQUE ( col [, col]* )
 */
void TesseraTableElement(List<SqlNode> list) :
{
    final SqlIdentifier id;
    SqlDataTypeSpec type = null;
    boolean nullable = true;
    boolean nullSeen = false;
    SqlNode defaultValue = null;
    boolean primaryKey = false;
    boolean unique = false;
    SqlIdentifier name = null;
    final SqlNodeList columnList;
    final Span s = Span.of();
}
{
    id = SimpleIdentifier() { s.add(id); }
    [
        type = DataType()
        (
            <NOT> { s.add(this); } <NULL> {
                if (nullSeen) {
                    throw TesseraDdlErrors.error(s.end(this), "Duplicate or conflicting NULL / NOT NULL for column " + id);
                }
                nullSeen = true;
                nullable = false;
            }
        |
            <NULL> {
                if (nullSeen) {
                    throw TesseraDdlErrors.error(getPos(), "Duplicate or conflicting NULL / NOT NULL for column " + id);
                }
                nullSeen = true;
                nullable = true;
            }
        |
            <DEFAULT_> {
                if (defaultValue != null) {
                    throw TesseraDdlErrors.error(getPos(), "Duplicate DEFAULT for column " + id);
                }
                s.add(this);
            }
            defaultValue = Expression(ExprContext.ACCEPT_SUB_QUERY)
        |
            <PRIMARY> { s.add(this); } <KEY> {
                if (primaryKey) {
                    throw TesseraDdlErrors.error(s.end(this), "Duplicate PRIMARY KEY for column " + id);
                }
                primaryKey = true;
            }
        |
            <UNIQUE> {
                if (unique) {
                    throw TesseraDdlErrors.error(getPos(), "Duplicate UNIQUE for column " + id);
                }
                unique = true;
            }
        )*
    ]
    {
        list.add(
            new SqlColumnDef(s.end(this), id,
                type == null ? null : type.withNullable(nullable),
                nullable, defaultValue, primaryKey, unique));
    }
|
    [ <CONSTRAINT> { s.add(this); } name = SimpleIdentifier() ]
    (
        <PRIMARY> { s.add(this); } <KEY>
        columnList = ParenthesizedSimpleIdentifierList() {
            list.add(
                new SqlTableConstraint(s.end(columnList),
                    SqlTableConstraint.Type.PRIMARY_KEY, name, columnList));
        }
    |
        <UNIQUE> { s.add(this); }
        columnList = ParenthesizedSimpleIdentifierList() {
            list.add(
                new SqlTableConstraint(s.end(columnList),
                    SqlTableConstraint.Type.UNIQUE, name, columnList));
        }
    )
}

/**
 * CREATE TABLE [ IF NOT EXISTS ] name
 *     [ ( table_element [, table_element]* ) ]
 *     { SHARD BY [ HASH | RANGE ] ( col [, col]* )
 *     | SHARDS n
 *     | REPLICAS n
 *     | REPLICATED
 *     | COLOCATE WITH table }*
 *     [ AS query ]
 */
SqlCreate SqlCreateTesseraTable(Span s, boolean replace) :
{
    final boolean ifNotExists;
    final SqlIdentifier id;
    final List<SqlNode> elements = new ArrayList<SqlNode>();
    SqlNodeList elementList = null;
    Span es;
    SqlNode query = null;
    SqlCreateTesseraTable.ShardStrategy strategy = null;
    SqlNodeList shardColumns = null;
    Integer shardCount = null;
    Integer replicas = null;
    boolean replicated = false;
    SqlIdentifier colocateWith = null;
    int n;
}
{
    <TABLE> {
        if (replace) {
            throw TesseraDdlErrors.error(s.end(this), "CREATE OR REPLACE TABLE is not supported");
        }
    }
    ifNotExists = TesseraIfNotExistsOpt()
    id = CompoundIdentifier()
    [
        <LPAREN> { es = span(); }
        TesseraTableElement(elements)
        (
            <COMMA> TesseraTableElement(elements)
        )*
        <RPAREN> {
            elementList = new SqlNodeList(elements, es.end(this));
        }
    ]
    (
        <SHARD> { es = span(); } <BY> {
            if (strategy != null) {
                throw TesseraDdlErrors.error(es.end(this), "Duplicate SHARD BY clause");
            }
        }
        (
            <HASH> { strategy = SqlCreateTesseraTable.ShardStrategy.HASH; }
        |
            <RANGE> { strategy = SqlCreateTesseraTable.ShardStrategy.RANGE; }
        |
            { strategy = SqlCreateTesseraTable.ShardStrategy.HASH; }
        )
        shardColumns = ParenthesizedSimpleIdentifierList()
    |
        <SHARDS> { es = span(); } n = UnsignedIntLiteral() {
            if (shardCount != null) {
                throw TesseraDdlErrors.error(es.end(this), "Duplicate SHARDS clause");
            }
            if (n < 1) {
                throw TesseraDdlErrors.error(es.end(this), "SHARDS must be at least 1");
            }
            shardCount = n;
        }
    |
        <REPLICAS> { es = span(); } n = UnsignedIntLiteral() {
            if (replicas != null) {
                throw TesseraDdlErrors.error(es.end(this), "Duplicate REPLICAS clause");
            }
            if (n < 1) {
                throw TesseraDdlErrors.error(es.end(this), "REPLICAS must be at least 1");
            }
            replicas = n;
        }
    |
        <REPLICATED> {
            if (replicated) {
                throw TesseraDdlErrors.error(getPos(), "Duplicate REPLICATED clause");
            }
            replicated = true;
        }
    |
        <COLOCATE> { es = span(); } <WITH> {
            if (colocateWith != null) {
                throw TesseraDdlErrors.error(es.end(this), "Duplicate COLOCATE WITH clause");
            }
        }
        colocateWith = CompoundIdentifier()
    )*
    [
        <AS> query = OrderedQueryOrExpr(ExprContext.ACCEPT_QUERY)
    ]
    {
        return SqlCreateTesseraTable.create(s.end(this), ifNotExists, id,
            elementList, strategy, shardColumns, shardCount, replicas,
            replicated, colocateWith, query);
    }
}

/**
 * CREATE [ UNIQUE ] INDEX [ IF NOT EXISTS ] name ON table ( col [, col]* )
 */
SqlCreate SqlCreateTesseraIndex(Span s, boolean replace) :
{
    boolean unique = false;
    final boolean ifNotExists;
    final SqlIdentifier name;
    final SqlIdentifier table;
    final SqlNodeList columns;
}
{
    (
        <UNIQUE> { unique = true; } <INDEX>
    |
        <INDEX>
    )
    {
        if (replace) {
            throw TesseraDdlErrors.error(s.end(this), "CREATE OR REPLACE INDEX is not supported");
        }
    }
    ifNotExists = TesseraIfNotExistsOpt()
    name = CompoundIdentifier()
    <ON> table = CompoundIdentifier()
    columns = ParenthesizedSimpleIdentifierList()
    {
        return SqlCreateIndex.create(s.end(this), ifNotExists, unique, name,
            table, columns);
    }
}

/**
 * CREATE [ OR REPLACE ] VIEW name [ ( col [, col]* ) ] AS query
 * (calcite-server's SqlCreateView).
 */
SqlCreate SqlCreateTesseraView(Span s, boolean replace) :
{
    final SqlIdentifier id;
    SqlNodeList columnList = null;
    final SqlNode query;
}
{
    <VIEW> id = CompoundIdentifier()
    [ columnList = ParenthesizedSimpleIdentifierList() ]
    <AS> query = OrderedQueryOrExpr(ExprContext.ACCEPT_QUERY) {
        return SqlDdlNodes.createView(s.end(this), replace, id, columnList,
            query);
    }
}

/** DROP TABLE [ IF EXISTS ] name (calcite-server's SqlDropTable). */
SqlDrop SqlDropTesseraTable(Span s, boolean replace) :
{
    final boolean ifExists;
    final SqlIdentifier id;
}
{
    <TABLE> ifExists = TesseraIfExistsOpt() id = CompoundIdentifier() {
        return SqlDdlNodes.dropTable(s.end(this), ifExists, id);
    }
}

/** DROP INDEX [ IF EXISTS ] name [ ON table ] */
SqlDrop SqlDropTesseraIndex(Span s, boolean replace) :
{
    final boolean ifExists;
    final SqlIdentifier id;
    SqlIdentifier table = null;
}
{
    <INDEX> ifExists = TesseraIfExistsOpt() id = CompoundIdentifier()
    [ <ON> table = CompoundIdentifier() ]
    {
        return new SqlDropIndex(s.end(this), ifExists, id, table);
    }
}

/** DROP VIEW [ IF EXISTS ] name (calcite-server's SqlDropView). */
SqlDrop SqlDropTesseraView(Span s, boolean replace) :
{
    final boolean ifExists;
    final SqlIdentifier id;
}
{
    <VIEW> ifExists = TesseraIfExistsOpt() id = CompoundIdentifier() {
        return SqlDdlNodes.dropView(s.end(this), ifExists, id);
    }
}
