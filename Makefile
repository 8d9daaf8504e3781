# Every target creates .venv when missing and installs the project into it.
# torch is pinned to 2.13.0 on purpose: that is the CPU build; any other
# spec pulls a multi-GB CUDA build.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NOVEL  ?= ../shared/corpus/hongloumeng.txt

.PHONY: setup chat test lint format bench prepare default-model

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

chat: $(STAMP)
	$(VENV)/bin/chatbot chat

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

prepare: $(STAMP)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH scripts/prepare_corpus.sh $(NOVEL)

bench: $(STAMP)
	$(PY) scripts/bench_prepare.py $(NOVEL)

# Rebuild the shipped default model from the novel: deterministic given the seeds
# (word2vec on one worker, with a fixed hash seed: gensim seeds each word vector
# from Python's string hash). About 8 minutes on 2 CPU cores.
default-model: $(STAMP)
	PYTHONHASHSEED=0 $(VENV)/bin/chatbot prepare $(NOVEL) corpus/hongloumeng --workers 1 --force
	$(VENV)/bin/chatbot train corpus/hongloumeng --out corpus/hongloumeng/model
	$(PY) scripts/export_default_model.py corpus/hongloumeng/model
