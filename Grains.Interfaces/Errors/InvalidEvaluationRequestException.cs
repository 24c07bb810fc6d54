namespace OrleansMl;

/// <summary>
/// A dataset version cannot be scored by a model: it lacks the label or an input column, or a column holds another kind
/// of value than the model was trained on. Nothing was evaluated.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.InvalidEvaluationRequestException")]
public sealed class InvalidEvaluationRequestException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidEvaluationRequestException(string message) : base(message) { }
}
