namespace Pix2Pix.Api.Inference;

/// <summary>A request named a model that is not served (404).</summary>
public sealed class UnknownModel(string name) : Exception($"There is no model named '{name}'; GET /models lists them.");
