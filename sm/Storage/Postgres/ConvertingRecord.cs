using System.Data;
using System.Globalization;

namespace Xmpp.Sm.Storage.Postgres;

/// <summary>
/// A row as modules read it on SQLite, where any integer column reads as any integer type: counts
/// and sums (BIGINT, NUMERIC in PostgreSQL) read with GetInt32 or GetInt64, 0/1 with GetBoolean.
/// Everything else is the reader's own value.
/// </summary>
internal sealed class ConvertingRecord(IDataRecord inner) : IDataRecord
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public object this[int i] => inner[i];
    public object this[string name] => inner[name];
    public int FieldCount => inner.FieldCount;

    public bool GetBoolean(int i) => inner.GetValue(i) switch
    {
        bool b => b,
        var v => Convert.ToInt64(v, Invariant) != 0,
    };

    public byte GetByte(int i) => Convert.ToByte(inner.GetValue(i), Invariant);
    public short GetInt16(int i) => Convert.ToInt16(inner.GetValue(i), Invariant);
    public int GetInt32(int i) => Convert.ToInt32(inner.GetValue(i), Invariant);
    public long GetInt64(int i) => Convert.ToInt64(inner.GetValue(i), Invariant);
    public float GetFloat(int i) => Convert.ToSingle(inner.GetValue(i), Invariant);
    public double GetDouble(int i) => Convert.ToDouble(inner.GetValue(i), Invariant);
    public decimal GetDecimal(int i) => Convert.ToDecimal(inner.GetValue(i), Invariant);

    public long GetBytes(int i, long fieldOffset, byte[]? buffer, int bufferoffset, int length) => inner.GetBytes(i, fieldOffset, buffer, bufferoffset, length);
    public char GetChar(int i) => inner.GetChar(i);
    public long GetChars(int i, long fieldoffset, char[]? buffer, int bufferoffset, int length) => inner.GetChars(i, fieldoffset, buffer, bufferoffset, length);
    public IDataReader GetData(int i) => inner.GetData(i);
    public string GetDataTypeName(int i) => inner.GetDataTypeName(i);
    public DateTime GetDateTime(int i) => inner.GetDateTime(i);
    public Type GetFieldType(int i) => inner.GetFieldType(i);
    public Guid GetGuid(int i) => inner.GetGuid(i);
    public string GetName(int i) => inner.GetName(i);
    public int GetOrdinal(string name) => inner.GetOrdinal(name);
    public string GetString(int i) => inner.GetString(i);
    public object GetValue(int i) => inner.GetValue(i);
    public int GetValues(object[] values) => inner.GetValues(values);
    public bool IsDBNull(int i) => inner.IsDBNull(i);
}
