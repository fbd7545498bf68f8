"""The project's exception hierarchy, re-exported: it lives at the bottom layer, in network/errors.py."""

from network.errors import (  # noqa: F401
    BackpropSheetError,
    ConfigError,
    DatasetError,
    EngineError,
    OutputExistsError,
    OutputInUseError,
    RunFolderError,
    TemplateError,
    WorkbookError,
)
