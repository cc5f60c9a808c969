package:
	$(MAKE) -C packaging package

test:
	./studio.sh test

.PHONY: package test
