namespace OrleansMl.Ml;

/// <summary>Where a request column goes: a <c>NumFeatures</c> slot, a text input, or nowhere (ignored).</summary>
internal readonly record struct InputBinding(string Name, ColumnKind Kind, int Slot, int Text)
{
    public bool IsRequired => Kind != ColumnKind.Ignored;
}
