namespace Pix2Pix.Api.Inference;

/// <summary>Whether a model version serves (Ready) or its file could not be loaded (Failed, with the reason).</summary>
public enum ModelState { Ready, Failed }
