using System.Text;

namespace Chat.Chaos;

/// <summary>The verdict's table: what, how many, judged, detail.</summary>
public sealed class Table
{
    private readonly List<string[]> _rows = [];

    public void Add(string what, string value, string detail, string judged = "") => _rows.Add([what, value, judged, detail]);

    public string Render()
    {
        var widths = Enumerable.Range(0, 3).Select(c => _rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in _rows)
            text.AppendLine($"{row[0].PadRight(widths[0])}  {row[1].PadLeft(widths[1])}  {row[2].PadRight(widths[2])}  {row[3]}".TrimEnd());
        return text.ToString();
    }
}
