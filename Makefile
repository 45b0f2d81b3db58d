# Notfalltermin: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run allocate token test lint typecheck unit bench verify clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# -- the staff console (web/staff/): npm ci from the lockfile, then esbuild into build/web-staff/
NPM_STAMP := node_modules/.installed-stamp
STAFF_CONSOLE := build/web-staff/index.html
.PHONY: staff-console

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

$(STAFF_CONSOLE): $(NPM_STAMP) $(shell find web/staff -type f 2>/dev/null)
	npm run --silent build

## Build the staff console (make run and make test do it first).
staff-console: $(STAFF_CONSOLE)

# -- the applicant form (web/, static as it is): KERN's stylesheet and fonts, from the pinned
# @kern-ux/native, into build/web-form/kern/ (served under /kern/ beside web/)
FORM_KERN := build/web-form/kern/kern.css
.PHONY: web-form

$(FORM_KERN): $(NPM_STAMP) web/build-kern.mjs
	npm run --silent build:form

## Build KERN for the applicant form (make run and make test do it first).
web-form: $(FORM_KERN)

## Start the whole service locally: AWS emulation on 127.0.0.1:5000, API on 127.0.0.1:8000.
## Other ports: make run ARGS="--moto-port 15000 --api-port 18000 --web-port 18080 --staff-port 18081"
run: $(STAMP) $(STAFF_CONSOLE) $(FORM_KERN)
	$(PY) -m infra.local_stack $(ARGS)

## Today's allocation now, against the running `make run` (ARGS="--slots 5" opens the day first;
## ARGS=--end-of-day closes it). Prints the run's summary as JSON.
allocate: $(STAMP)
	$(PY) -m infra.allocate $(ARGS)

## An access token of a demo user of the running `make run`: make -s token USER=staff (or admin).
# USER defaults to the shell's login name; only the demo users are meant, staff by default.
token: $(STAMP)
	$(PY) -m infra.local_cognito token $(if $(filter staff admin,$(USER)),$(USER),staff) $(ARGS)

## Lint, type-check and run every test.
test: lint typecheck $(STAFF_CONSOLE) $(FORM_KERN)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest tests/unit

## The benchmark (docs/performance.md): one line per figure, about 21 minutes. ARGS="allocation"
## (or registration, cold-start, package, load, documents) takes only those; ARGS=--help lists
## the knobs.
bench: $(STAMP)
	$(PY) -m infra.bench $(ARGS)

## Reliability and security (docs/reliability.md): the tests marked `reliability` with the full
## budget (thousands of generated requests and state-machine steps, about an hour), then their
## figures into the doc.
verify: $(STAMP) $(FORM_KERN)
	rm -f var/reliability/figures.json
	RELIABILITY_BUDGET=full $(PY) -m pytest -m reliability $(ARGS)
	$(PY) -m tests.reliability.report

# -- the cloud (README.md, "Deploy") --------------------------------------------------------
.PHONY: package lint-template deploy publish-web
BUILD := build
STAGE ?= prod
AWS_REGION ?= eu-central-1
STACK ?= notfalltermin-$(STAGE)

## One deployable template: build/template.json (+ build/deployment.zip, its code, and
## build/safe-copy-layer.zip, the sanitiser function's Pillow and pikepdf from PyPI).
package: $(STAMP)
	rm -f $(BUILD)/sam.json $(BUILD)/template.json $(BUILD)/deployment.zip $(BUILD)/safe-copy-layer.zip
	AWS_DEFAULT_REGION=$(AWS_REGION) $(VENV)/bin/chalice package --stage $(STAGE) \
		--merge-template infra/resources.json $(BUILD)
	$(PY) -m infra.package_code $(BUILD)/sam.json $(BUILD)/deployment.zip
	$(PY) -m infra.package_code layer $(BUILD)/safe-copy-layer.zip
	$(PY) -m infra.finalize $(BUILD)/sam.json $(BUILD)/template.json

## cfn-lint on the packaged template (`make test` does the same in tests/infra).
lint-template: package
	$(VENV)/bin/cfn-lint --regions $(AWS_REGION) -- $(BUILD)/template.json

## Deploy to the AWS account of the current credentials (aws CLI v2). Needs:
##   ARTIFACT_BUCKET  an S3 bucket in AWS_REGION for the code
##   MAIL_SENDER      the From address (a verified SES identity), ALARM_EMAIL  the ops mailbox
## optional: WEB_DOMAIN + WEB_CERTIFICATE_ARN (ACM, us-east-1), STACK, AWS_REGION, STAGE
deploy: package
	@test -n "$(ARTIFACT_BUCKET)" -a -n "$(MAIL_SENDER)" -a -n "$(ALARM_EMAIL)" || \
		{ echo "make deploy needs ARTIFACT_BUCKET, MAIL_SENDER and ALARM_EMAIL"; exit 2; }
	aws cloudformation package --region $(AWS_REGION) --use-json \
		--template-file $(BUILD)/template.json --s3-bucket $(ARTIFACT_BUCKET) \
		--s3-prefix $(STACK) --output-template-file $(BUILD)/packaged.json
	aws cloudformation deploy --region $(AWS_REGION) --stack-name $(STACK) \
		--template-file $(BUILD)/packaged.json \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
		--parameter-overrides MailSender=$(MAIL_SENDER) AlarmEmail=$(ALARM_EMAIL) \
		$(if $(WEB_DOMAIN),WebDomainName=$(WEB_DOMAIN) WebCertificateArn=$(WEB_CERTIFICATE_ARN))
	$(MAKE) publish-web

## Upload web/ with KERN (build/web-form/) and a config.js that points at the deployed API,
## then refresh CloudFront. The staff console goes under /staff/ (built, with a config.js naming
## the user pool).
publish-web: $(STAFF_CONSOLE) $(FORM_KERN)
	@set -e; \
	out() { aws cloudformation describe-stacks --region $(AWS_REGION) --stack-name $(STACK) \
		--query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	api=$$(out EndpointURL); bucket=$$(out WebBucketName); dist=$$(out WebDistributionId); \
	rm -rf $(BUILD)/web && mkdir -p $(BUILD) && cp -R web $(BUILD)/web; \
	rm -f $(BUILD)/web/build-kern.mjs && cp -R $(BUILD)/web-form/. $(BUILD)/web/; \
	printf '"use strict";\nwindow.NFT_CONFIG = Object.freeze({"apiBaseUrl": "%s"});\n' \
		"$${api%/}" > $(BUILD)/web/config.js; \
	rm -rf $(BUILD)/web/staff && cp -R $(BUILD)/web-staff $(BUILD)/web/staff; \
	printf '"use strict";\nwindow.NFT_STAFF_CONFIG = Object.freeze({"apiBaseUrl": "%s", "cognito": {"region": "%s", "userPoolId": "%s", "clientId": "%s", "endpoint": null}});\n' \
		"$${api%/}" "$(AWS_REGION)" "$$(out UserPoolId)" "$$(out UserPoolClientId)" \
		> $(BUILD)/web/staff/config.js; \
	aws s3 sync --delete $(BUILD)/web "s3://$$bucket"; \
	aws cloudfront create-invalidation --distribution-id "$$dist" --paths '/*' >/dev/null; \
	echo "web form: $$(out WebBaseUrl)"; \
	echo "staff console: $$(out WebBaseUrl)/staff/index.html"

clean:
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .ruff_cache
