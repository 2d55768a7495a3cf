namespace Pix2Pix.Api.Inference;

/// <summary>A request named a model that is not served (404); the name is quoted back as <see cref="ClientText.Printable"/> shows it.</summary>
public sealed class UnknownModel(string name) : Exception($"There is no model named '{ClientText.Printable(name)}'; GET /models lists them.");
