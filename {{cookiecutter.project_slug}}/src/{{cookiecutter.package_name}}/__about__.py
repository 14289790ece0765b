# The one place the version is written: pyproject.toml and the OpenAPI
# document read it from here.
__version__ = "{{ cookiecutter.version }}"
