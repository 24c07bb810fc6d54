namespace OrleansMl.Ml;

/// <summary>
/// A saved model loaded once and shared: thread-safe. Each thread (or grain activation) scores through its own
/// <see cref="ModelPredictor"/>, because ML.NET row mappers are silently wrong when shared across threads.
/// </summary>
public sealed class LoadedModel
{
    private LoadedModel() { }

    public required ModelSignature Signature { get; init; }

    /// <summary>Loads model bytes produced by <see cref="ModelTrainer"/>.</summary>
    public static LoadedModel Load(Stream modelZip, ModelSignature signature) => throw new NotImplementedException();

    /// <summary>A new predictor (0.2–2 ms); warm it before it takes traffic.</summary>
    public ModelPredictor CreatePredictor() => throw new NotImplementedException();
}
