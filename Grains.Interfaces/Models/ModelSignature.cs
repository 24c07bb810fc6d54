using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>What a trained model takes and gives: enough to bind requests and decode answers without compile-time types.</summary>
/// <param name="Task">Resolved task.</param>
/// <param name="Label">Label column name.</param>
/// <param name="LabelKind">How label values are written back: numbers, booleans or strings, as in the CSV.</param>
/// <param name="Classes">Class values in key order (binary: [negative, positive]; empty for regression).</param>
/// <param name="Inputs">Input columns.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelSignature")]
public sealed record ModelSignature(
    [property: Id(0)] ModelTask Task,
    [property: Id(1)] string Label,
    [property: Id(2)] ColumnKind LabelKind,
    [property: Id(3)] ImmutableArray<string> Classes,
    [property: Id(4)] ImmutableArray<InputColumn> Inputs);
